import XCTest
@testable import NeuralNet

final class GradCheckTests: XCTestCase {
    func testConv3D() {
        var rng = RNG(seed: 1)
        let conv = Conv(name: "c", inChannels: 2, outChannels: 3, kernel: (3, 3, 3), padding: (1, 1, 1), rng: &rng)
        gradCheckLayer(conv, input: randomTensor([2, 2, 3, 4, 4], seed: 2))
    }
    func testConv3DStridedNoPad() {
        var rng = RNG(seed: 1)
        let conv = Conv(name: "c", inChannels: 2, outChannels: 2, kernel: (2, 3, 2), stride: (1, 2, 2), rng: &rng)
        gradCheckLayer(conv, input: randomTensor([1, 2, 3, 5, 6], seed: 3))
    }
    func testConv2D() {
        var rng = RNG(seed: 1)
        let conv = Conv(name: "c", inChannels: 3, outChannels: 2, kernel: (3, 3), stride: (2, 2), padding: (1, 1), rng: &rng)
        gradCheckLayer(conv, input: randomTensor([2, 3, 5, 5], seed: 4))
    }
    func testBatchNorm3DTraining() {
        let bn = BatchNorm(name: "bn", channels: 3)
        var rng = RNG(seed: 5); rng.fillUniform(bn.gamma.value, 0.5, 1.5); rng.fillUniform(bn.beta.value, -1, 1)
        gradCheckLayer(bn, input: randomTensor([2, 3, 2, 2, 3], seed: 6), eps: 1e-2, rtol: 3e-2)
    }
    func testBatchNorm2DTrainingAndEval() {
        let bn = BatchNorm(name: "bn", channels: 2)
        var rng = RNG(seed: 5); rng.fillUniform(bn.gamma.value, 0.5, 1.5)
        gradCheckLayer(bn, input: randomTensor([3, 2, 3, 3], seed: 7), rtol: 3e-2)
        rng.fillUniform(bn.runningVar, 0.5, 2)
        gradCheckLayer(bn, input: randomTensor([3, 2, 3, 3], seed: 8), training: false)
    }
    func testActivations() {
        gradCheckLayer(ReLU(), input: randomTensor([2, 3, 4], seed: 9))
        gradCheckLayer(LeakyReLU(slope: 0.1), input: randomTensor([2, 3, 4], seed: 10))
        gradCheckLayer(Sigmoid(), input: randomTensor([2, 3, 4], seed: 11))
    }
    func testPoolingAndReshaping() {
        gradCheckLayer(MaxPool(kernel: (1, 2, 2)), input: randomTensor([2, 2, 3, 4, 4], seed: 12))
        gradCheckLayer(MaxPool(kernel2D: (2, 2)), input: randomTensor([2, 2, 4, 6], seed: 13))
        gradCheckLayer(TemporalMax(), input: randomTensor([2, 2, 5, 3, 3], seed: 14))
        gradCheckLayer(Upsample2x(), input: randomTensor([2, 2, 3, 3], seed: 15))
        gradCheckLayer(Flatten(), input: randomTensor([2, 2, 3, 3], seed: 16))
    }
    func testLinear() {
        var rng = RNG(seed: 17)
        gradCheckLayer(Linear(name: "fc", inFeatures: 6, outFeatures: 4, rng: &rng), input: randomTensor([3, 6], seed: 18))
    }
    func testDropout() {
        let d = Dropout(p: 0.3, seed: 19)
        let state = d.rng
        gradCheckLayer(d, input: randomTensor([4, 10], seed: 20), prepare: { d.rng = state })
        // Inference: identity.
        let x = randomTensor([4, 10], seed: 21)
        XCTAssertEqual(d.forward(x, training: false).array, x.array)
    }
    func testLosses() {
        let logits = randomTensor([4, 3], seed: 22)
        let labels: [Int32] = [0, 2, 1, 1]
        let probs = Tensor(shape: [4, 3]), g = Tensor(shape: [4, 3])
        let ce = { labels.withUnsafeBufferPointer {
            Double(softmaxCrossEntropyForward(probs: probs.data, logits: logits.data, labels: $0.baseAddress!, n: 4, k: 3)) } }
        _ = ce()
        labels.withUnsafeBufferPointer { softmaxCrossEntropyBackward(dlogits: g.data, probs: probs.data, labels: $0.baseAddress!, n: 4, k: 3) }
        finiteDifferenceCheck(tensors: [("logits", logits)], analytic: [g.array], eps: 1e-2, loss: ce)

        let pred = randomTensor([3, 5], seed: 23), target = randomTensor([3, 5], seed: 24)
        let gl1 = Tensor(shape: [3, 5]), gmse = Tensor(shape: [3, 5])
        l1LossBackward(dpred: gl1.data, pred: pred.data, target: target.data, n: 15)
        finiteDifferenceCheck(tensors: [("pred", pred)], analytic: [gl1.array], eps: 1e-3, loss: {
            Double(l1LossForward(pred: pred.data, target: target.data, n: 15)) })
        mseLossBackward(dpred: gmse.data, pred: pred.data, target: target.data, n: 15)
        finiteDifferenceCheck(tensors: [("pred", pred), ("target", target)],
                              analytic: [gmse.array, gmse.array.map { -$0 }], eps: 1e-2, loss: {
            Double(mseLossForward(pred: pred.data, target: target.data, n: 15)) })
    }
    func testSequentialComposition() {
        var rng = RNG(seed: 25)
        let net = Sequential([
            Conv(name: "0", inChannels: 2, outChannels: 3, kernel: (3, 3), padding: (1, 1), rng: &rng),
            BatchNorm(name: "1", channels: 3), LeakyReLU(), MaxPool(kernel2D: (2, 2)), Upsample2x(), Sigmoid(),
            Flatten(), Linear(name: "7", inFeatures: 3 * 4 * 4, outFeatures: 2, rng: &rng),
        ])
        gradCheckLayer(net, input: randomTensor([2, 2, 4, 4], seed: 26), eps: 1e-3, rtol: 3e-2)
    }
}
