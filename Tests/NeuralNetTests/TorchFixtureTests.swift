import XCTest
@testable import NeuralNet

/// Forward and backward values against PyTorch 2.13 (Fixtures/layers.safetensors from Scripts/make_nn_fixtures.py).
final class TorchFixtureTests: XCTestCase {
    var f: SafetensorsFile!
    override func setUpWithError() throws { f = try fixtures() }

    /// Runs layer on L.x, compares L.y, then backward of L.dy against L.dx and the named parameter gradients.
    func check(_ name: String, _ layer: Layer, params: [(String, Parameter)] = [], training: Bool = true,
               file: StaticString = #filePath, line: UInt = #line) {
        for (p, param) in params { param.value.copy(from: f.tensor("\(name).\(p)")) }
        let y = layer.forward(f.tensor("\(name).x"), training: training)
        assertClose(y.array, f.values("\(name).y"), rtol: 1e-4, atol: 1e-5, "\(name).y", file: file, line: line)
        zeroGrad(params.map { $0.1 })
        let dx = layer.backward(f.tensor("\(name).dy"))
        assertClose(dx.array, f.values("\(name).dx"), rtol: 1e-4, atol: 1e-5, "\(name).dx", file: file, line: line)
        for (p, param) in params {
            assertClose(param.grad.array, f.values("\(name).d\(p)"), rtol: 1e-4, atol: 1e-5, "\(name).d\(p)", file: file, line: line)
        }
    }

    func testConvolutions() {
        var rng = RNG(seed: 0)
        let c3 = Conv(name: "c", inChannels: 3, outChannels: 4, kernel: (3, 3, 3), padding: (1, 1, 1), rng: &rng)
        check("conv3d", c3, params: [("weight", c3.weight), ("bias", c3.bias!)])
        let c3s = Conv(name: "c", inChannels: 2, outChannels: 3, kernel: (2, 3, 3), stride: (1, 2, 2), padding: (0, 1, 1), rng: &rng)
        check("conv3d_strided", c3s, params: [("weight", c3s.weight), ("bias", c3s.bias!)])
        let c2 = Conv(name: "c", inChannels: 3, outChannels: 5, kernel: (3, 3), stride: (2, 2), padding: (1, 1), rng: &rng)
        check("conv2d", c2, params: [("weight", c2.weight), ("bias", c2.bias!)])
        let naive = Conv(name: "c", inChannels: 3, outChannels: 4, kernel: (3, 3, 3), padding: (1, 1, 1), rng: &rng)
        naive.useNaive = true
        check("conv3d", naive, params: [("weight", naive.weight), ("bias", naive.bias!)])
    }

    func testBatchNorm() {
        for (name, c) in [("bn3d", 3), ("bn2d", 4)] {
            let bn = BatchNorm(name: name, channels: c)
            check(name, bn, params: [("weight", bn.gamma), ("bias", bn.beta)])
            assertClose(bn.runningMean.array, f.values("\(name).running_mean"), "\(name).running_mean")
            assertClose(bn.runningVar.array, f.values("\(name).running_var"), "\(name).running_var")
            let ye = bn.forward(f.tensor("\(name).eval_x"), training: false)
            assertClose(ye.array, f.values("\(name).eval_y"), "\(name).eval_y")
        }
    }

    func testElementwiseAndPooling() {
        check("relu", ReLU())
        check("leaky", LeakyReLU(slope: 0.1))
        check("sigmoid", Sigmoid())
        check("maxpool3d", MaxPool(kernel: (1, 2, 2)))
        check("maxpool2d", MaxPool(kernel2D: (2, 2)))
        check("tmax", TemporalMax())
        check("upsample", Upsample2x())
    }

    func testLinear() {
        var rng = RNG(seed: 0)
        let lin = Linear(name: "fc", inFeatures: 7, outFeatures: 5, rng: &rng)
        check("linear", lin, params: [("weight", lin.weight), ("bias", lin.bias)])
    }

    func testLosses() {
        let z = f.tensor("ce.x"), labels = f.values("ce.labels").map { Int32($0) }
        let probs = Tensor(shape: z.shape), dz = Tensor(shape: z.shape)
        let n = z.shape[0], k = z.shape[1], dloss = f.values("ce.dy")[0]
        labels.withUnsafeBufferPointer {
            let l = softmaxCrossEntropyForward(probs: probs.data, logits: z.data, labels: $0.baseAddress!, n: n, k: k)
            assertClose([l], f.values("ce.y"), "ce.y")
            softmaxCrossEntropyBackward(dlogits: dz.data, probs: probs.data, labels: $0.baseAddress!, n: n, k: k, dloss: dloss)
        }
        assertClose(dz.array, f.values("ce.dx"), "ce.dx")
        for name in ["l1", "mse"] {
            let p = f.tensor("\(name).x"), t = f.tensor("\(name).target"), g = Tensor(shape: p.shape)
            let dl = f.values("\(name).dy")[0]
            let l = name == "l1" ? l1LossForward(pred: p.data, target: t.data, n: p.count)
                                 : mseLossForward(pred: p.data, target: t.data, n: p.count)
            assertClose([l], f.values("\(name).y"), "\(name).y")
            if name == "l1" { l1LossBackward(dpred: g.data, pred: p.data, target: t.data, n: p.count, dloss: dl) }
            else { mseLossBackward(dpred: g.data, pred: p.data, target: t.data, n: p.count, dloss: dl) }
            assertClose(g.array, f.values("\(name).dx"), "\(name).dx")
        }
    }

    /// Ten Adam steps (lr 1e-2) of Linear(6,8)-ReLU-Linear(8,3) with cross-entropy reproduce PyTorch's losses.
    func testTenAdamSteps() {
        var rng = RNG(seed: 0)
        let net = Sequential([Linear(name: "0", inFeatures: 6, outFeatures: 8, rng: &rng), ReLU(),
                              Linear(name: "2", inFeatures: 8, outFeatures: 3, rng: &rng)])
        for l in [0, 2] {
            let lin = net.layers[l] as! Linear
            lin.weight.value.copy(from: f.tensor("adam.\(l).weight"))
            lin.bias.value.copy(from: f.tensor("adam.\(l).bias"))
        }
        let x = f.tensor("adam.x"), labels = f.values("adam.labels").map { Int32($0) }
        let adam = Adam(params: net.parameters, lr: 1e-2)
        var losses: [Float] = []
        let probs = Tensor(shape: [10, 3]), dz = Tensor(shape: [10, 3])
        for _ in 0..<10 {
            zeroGrad(net.parameters)
            let z = net.forward(x, training: true)
            labels.withUnsafeBufferPointer {
                losses.append(softmaxCrossEntropyForward(probs: probs.data, logits: z.data, labels: $0.baseAddress!, n: 10, k: 3))
                dz.zero()
                softmaxCrossEntropyBackward(dlogits: dz.data, probs: probs.data, labels: $0.baseAddress!, n: 10, k: 3)
            }
            _ = net.backward(dz)
            adam.update()
        }
        assertClose(losses, f.values("adam.losses"), rtol: 1e-4, atol: 1e-6, "adam losses")
    }
}
