import XCTest
@testable import NeuralNet
@testable import SSMTL

final class MultiTaskNetTests: XCTestCase {
    func testOutputShapesAllVariants() {
        for v in Variant.allCases {
            let cfg = NetworkConfig(variant: v)
            let net = MultiTaskNet(config: cfg, seed: 1)
            let seq = randomTensor([1, 3, 7, 64, 64], seed: 2), mid = randomTensor([1, 3, 6, 64, 64], seed: 3)
            let out = net.forward(sequence: seq, middleInput: mid, training: false)
            XCTAssertEqual(out.aotLogits.shape, [1, 2], v.rawValue)
            XCTAssertEqual(out.miLogits.shape, [1, 2], v.rawValue)
            XCTAssertEqual(out.middle.shape, [1, 3, 64, 64], v.rawValue)
            XCTAssertEqual(out.kd.shape, [1, 80], v.rawValue)
            XCTAssertTrue(out.middle.array.allSatisfy { $0 > 0 && $0 < 1 })
            XCTAssertEqual(cfg.mapSize, v.rawValue.hasPrefix("deep") ? 4 : 8)
        }
        // Parameter count equals PyTorch's for shallow-narrow (Scripts/bench_torch.py prints 133527).
        let p = MultiTaskNet(config: NetworkConfig(variant: .shallowNarrow)).parameters.reduce(0) { $0 + $1.value.count }
        XCTAssertEqual(p, 133_527)
        let names = MultiTaskNet(config: NetworkConfig()).stateDict.map(\.0)
        XCTAssertTrue(names.contains("encoder.0.weight") && names.contains("encoder.1.running_var")
                      && names.contains("aot.6.weight") && names.contains("decoder.9.bias"), "\(names)")
    }

    /// Whole-network gradient check (all four losses) on a tiny configuration, dropout off: forward, backward and a
    /// finite-difference check of every parameter tensor.
    func testGradientCheckTinyNetwork() {
        var cfg = NetworkConfig(variant: .shallowNarrow)
        cfg.encoderPlan = [3, 0, 4, 0]
        cfg.cropSize = 8; cfg.headChannels = 2; cfg.decoderChannels = 3; cfg.teacherWidth = 3; cfg.dropout = 0
        let net = MultiTaskNet(config: cfg, seed: 5)
        let aotLabels: [Int32] = [0, 1, 1], miLabels: [Int32] = [1, 0, 1]
        let n = aotLabels.count
        let seq = randomTensor([n, 3, 7, 8, 8], seed: 6), mid = randomTensor([n, 3, 6, 8, 8], seed: 7)
        var rng = RNG(seed: 8)
        let target = Tensor(shape: [n, 3, 8, 8]); rng.fillUniform(target, 0, 1)
        let teacher = Tensor(shape: [n, 3]); rng.fillUniform(teacher, 0, 1)
        let batch = MultiTaskBatch(sequence: seq, middleInput: mid, middleTarget: target, teacher: teacher,
                                   aotLabels: aotLabels, miLabels: miLabels)
        zeroGrad(net.parameters)
        let out = net.forward(sequence: seq, middleInput: mid, training: true)
        let losses = net.losses(out, batch)
        XCTAssertEqual(losses.total, losses.aot + losses.mi + losses.mb + losses.kd, accuracy: 1e-5)
        net.backward(out, batch)
        let params = net.parameters
        finiteDifferenceCheck(tensors: params.map { ($0.name, $0.value) }, analytic: params.map { $0.grad.array },
                              eps: 1e-3, rtol: 5e-2, atol: 2e-3, maxChecks: 4, loss: {
            let o = net.forward(sequence: seq, middleInput: mid, training: true)
            return Double(net.losses(o, batch).total)
        })
    }

    func testTrainingReducesLoss() {
        var cfg = NetworkConfig(variant: .shallowNarrow)
        cfg.encoderPlan = [4, 0, 4, 0]; cfg.cropSize = 8; cfg.teacherWidth = 4
        let net = MultiTaskNet(config: cfg, seed: 1)
        var rng = RNG(seed: 2)
        let n = 4
        let seq = Tensor(shape: [n, 3, 7, 8, 8]); rng.fillUniform(seq, 0, 1)
        let mid = Tensor(shape: [n, 3, 6, 8, 8]); rng.fillUniform(mid, 0, 1)
        let target = Tensor(shape: [n, 3, 8, 8]); rng.fillUniform(target, 0, 1)
        let teacher = Tensor(shape: [n, 4]); rng.fillUniform(teacher, 0, 1)
        let b = MultiTaskBatch(sequence: seq, middleInput: mid, middleTarget: target, teacher: teacher,
                               aotLabels: [0, 1, 0, 1], miLabels: [1, 1, 0, 0])
        let adam = Adam(params: net.parameters, lr: 1e-2)
        let first = net.trainStep(b, optimizer: adam).total
        var last = first
        for _ in 0..<30 { last = net.trainStep(b, optimizer: adam).total }
        XCTAssertLessThan(last, first * 0.8)
    }
}

final class SelfDistillationTests: XCTestCase {
    private func tiny() -> (MultiTaskNet, Tensor) {
        var cfg = NetworkConfig(variant: .shallowNarrow)
        cfg.encoderPlan = [3, 0, 4, 0]; cfg.cropSize = 8; cfg.decoderChannels = 3; cfg.teacherWidth = 2; cfg.dropout = 0
        return (MultiTaskNet(config: cfg, seed: 9), randomTensor([3, 3, 6, 8, 8], seed: 10))
    }

    /// The student's gradients (L1 to the frozen decoder's output) against finite differences.
    func testStudentGradientCheck() {
        let (net, mid) = tiny()
        zeroGrad(net.studentParameters)
        _ = net.studentTrainStep(middleInput: mid)
        let params = net.studentParameters
        XCTAssertEqual(params.first?.name, "student.0.weight")
        finiteDifferenceCheck(tensors: params.map { ($0.name, $0.value) }, analytic: params.map { $0.grad.array },
                              eps: 1e-3, rtol: 5e-2, atol: 2e-3, maxChecks: 6, loss: {
            let (t, s) = net.selfDistillationForward(middleInput: mid, trainingStudent: true)
            return Double(l1LossForward(pred: s.data, target: t.data, n: s.count))
        })
    }

    /// Training the student lowers the discrepancy and leaves every main parameter and running statistic alone.
    func testStudentLearnsAndTheTeacherStaysFrozen() {
        let (net, mid) = tiny()
        let before = net.parameters.map { $0.value.array }
        let buffersBefore = net.buffers.filter { !$0.0.hasPrefix("student.") }.map { $0.1.array }
        let adam = Adam(params: net.studentParameters, lr: 1e-2)
        var losses: [Float] = []
        for _ in 0..<40 {
            zeroGrad(net.studentParameters)
            losses.append(net.studentTrainStep(middleInput: mid))
            adam.update()
        }
        XCTAssertLessThan(losses.last!, 0.5 * losses.first!)
        XCTAssertEqual(net.parameters.map { $0.value.array }, before)
        XCTAssertEqual(net.buffers.filter { !$0.0.hasPrefix("student.") }.map { $0.1.array }, buffersBefore)
        // After a full forward the student reads the same decoder stem.
        let out = net.forward(sequence: randomTensor([3, 3, 7, 8, 8], seed: 11), middleInput: mid, training: false)
        let s = net.studentForward(training: false)
        let (t2, s2) = net.selfDistillationForward(middleInput: mid, trainingStudent: false)
        XCTAssertEqual(out.middle.array, t2.array)
        XCTAssertEqual(s.array, s2.array)
    }
}

final class MultiTaskCheckpointTests: XCTestCase {
    func testSaveLoadRoundTripAndVariantCheck() throws {
        var cfg = NetworkConfig(variant: .shallowNarrow)
        cfg.encoderPlan = [2, 0, 2, 0]; cfg.cropSize = 8; cfg.teacherWidth = 3
        let a = MultiTaskNet(config: cfg, seed: 1), b = MultiTaskNet(config: cfg, seed: 2)
        let adamA = Adam(params: a.parameters), adamB = Adam(params: b.parameters)
        adamA.setStep(7); a.buffers[0].1.fill(0.25); adamA.m[0].fill(0.5)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mt-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try a.save(to: path, metadata: ["lr": "0.001"], optimizer: adamA)
        let md = try b.load(from: path, optimizer: adamB)
        XCTAssertEqual(md["lr"], "0.001")
        XCTAssertEqual(adamB.step, 7)
        XCTAssertEqual(adamB.m[0].array, adamA.m[0].array)
        for ((na, ta), (nb, tb)) in zip(a.stateDict, b.stateDict) {
            XCTAssertEqual(na, nb); XCTAssertEqual(ta.array, tb.array, na)
        }
        var other = cfg; other.variant = .deepWide
        XCTAssertThrowsError(try MultiTaskNet(config: other).load(from: path)) {
            XCTAssertTrue("\($0)".contains("variant shallow-narrow"))
        }
        var wider = cfg; wider.encoderPlan = [3, 0, 2, 0]
        XCTAssertThrowsError(try MultiTaskNet(config: wider).load(from: path)) {
            XCTAssertTrue("\($0)".contains("encoder.0.weight has shape"))
        }
    }
}

/// The inference shortcuts of Sequential (Conv + BN folded, MaxPool before ReLU) give the plain path's outputs.
final class InferenceFusionTests: XCTestCase {
    func testFusedInferenceEqualsTheLayerByLayerPath() {
        var cfg = NetworkConfig(variant: .shallowNarrow)
        cfg.encoderPlan = [4, 4, 0, 6, 0]; cfg.cropSize = 16; cfg.teacherWidth = 3
        let net = MultiTaskNet(config: cfg, seed: 21)
        // Non-trivial running statistics and affine parameters, so a wrong fold shows.
        var rng = RNG(seed: 22)
        for (name, t) in net.buffers { rng.fillUniform(t, name.hasSuffix("running_var") ? 0.5 : -0.3, name.hasSuffix("running_var") ? 2 : 0.3) }
        for p in net.parameters where p.name.contains(".1.") || p.name.contains(".2.") { rng.fillUniform(p.value, 0.5, 1.5) }
        let seq = randomTensor([2, 3, 7, 16, 16], seed: 23), mid = randomTensor([2, 3, 6, 16, 16], seed: 24)
        let fused = net.forward(sequence: seq, middleInput: mid, training: false)
        let fusedCopies = [fused.aotLogits, fused.miLogits, fused.middle, fused.kd].map(\.array)
        for s in [net.encoderSeq, net.encoderMid, net.aot, net.mi, net.kd, net.decoderStem, net.decoderTail] { s.fuseInference = false }
        let plain = net.forward(sequence: seq, middleInput: mid, training: false)
        for (a, b) in zip(fusedCopies, [plain.aotLogits, plain.miLogits, plain.middle, plain.kd].map(\.array)) {
            XCTAssertEqual(a.count, b.count)
            let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            XCTAssertLessThan(worst, 1e-5)
        }
    }

    /// At test time the middle-box input is the sequence without its centre frame: the encoder frames the two passes
    /// share are computed once (frames 2 and 3 of the first layer, 1...4 of the second) and must give the outputs of
    /// two separate passes, for a shallow and a deep plan.
    func testSharedEncoderFramesEqualTwoSeparatePasses() {
        for plan in [[4, 0, 6, 0], [4, 4, 0, 6, 6, 0, 6, 0]] {
            var cfg = NetworkConfig(variant: .shallowNarrow)
            cfg.encoderPlan = plan; cfg.cropSize = 16; cfg.teacherWidth = 3
            let net = MultiTaskNet(config: cfg, seed: 31)
            var rng = RNG(seed: 32)
            for (name, t) in net.buffers { rng.fillUniform(t, name.hasSuffix("running_var") ? 0.5 : -0.3, name.hasSuffix("running_var") ? 2 : 0.3) }
            let seq = randomTensor([3, 3, 7, 16, 16], seed: 33)
            let mid = MultiTaskNet.middleInput(of: seq)
            XCTAssertEqual(mid.shape, [3, 3, 6, 16, 16])
            let separate = net.forward(sequence: seq, middleInput: mid, training: false)
            let expected = [separate.aotLogits, separate.miLogits, separate.middle, separate.kd].map(\.array)
            LayerProfiler.reset(); LayerProfiler.enabled = true
            let shared = net.forward(sequence: seq, middleInput: mid, training: false, middleIsSequenceWithoutCentre: true)
            LayerProfiler.enabled = false
            let steps = LayerProfiler.report().joined(separator: "\n"); LayerProfiler.reset()
            XCTAssertTrue(steps.contains("[3, 3, 6, 16, 16] (frames 2..<4)"), "first layer should compute only frames 2, 3:\n\(steps)")
            XCTAssertTrue(steps.contains("(frames 1..<5)"), "second layer should compute only frames 1...4:\n\(steps)")
            for (label, (a, b)) in zip(["aot", "mi", "middle", "kd"], zip([shared.aotLogits, shared.miLogits, shared.middle, shared.kd].map(\.array), expected)) {
                XCTAssertEqual(a.count, b.count)
                let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max()!
                XCTAssertLessThan(worst, 1e-5, "\(plan) \(label)")
            }
            // The shared path really reads the sequence's frames: a middle input that is not the sequence without
            // its centre gives other reconstructions with the flag than without it.
            let other = randomTensor([3, 3, 6, 16, 16], seed: 34)
            let honest = net.forward(sequence: seq, middleInput: other, training: false).middle.array
            let misused = net.forward(sequence: seq, middleInput: other, training: false, middleIsSequenceWithoutCentre: true).middle.array
            XCTAssertGreaterThan(zip(honest, misused).map { abs($0 - $1) }.max()!, 1e-4, "\(plan)")
        }
    }
}
