import Foundation
import XCTest
@testable import NeuralNet

func randomTensor(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var rng = RNG(seed: seed)
    let t = Tensor(shape: shape)
    rng.fillNormal(t, std: std)
    return t
}

/// A batch norm of `channels` with random running statistics (variances at least 0.5) and graded gamma and beta: the
/// folded-inference tests' second layer.
func batchNormWithRandomStatistics(channels: Int, seed: UInt64) -> BatchNorm {
    let bn = BatchNorm(name: "bn", channels: channels)
    let stats = randomTensor([2 * channels], seed: seed)
    for k in 0..<channels {
        bn.runningMean[k] = stats[k]
        bn.runningVar[k] = 0.5 + abs(stats[channels + k])
        bn.gamma.value[k] = 1 + 0.1 * Float(k)
        bn.beta.value[k] = -0.2 * Float(k)
    }
    return bn
}

/// A 3x3x3 convolution (padding 1, seeded weights) followed by a batch norm with random statistics, run in folded
/// inference on a random input of `inputShape` (N, C, D, H, W) with its fast path, and by a copy that `switchOff`
/// sends down another path: the layer, the batch norm, the input and both outputs.
func foldedInferenceWithAndWithout(outChannels o: Int, inputShape: [Int], switchOff: (Conv) -> Void)
    -> (conv: Conv, bn: BatchNorm, x: Tensor, fast: [Float], reference: [Float]) {
    var rng = RNG(seed: 5)
    let conv = Conv(name: "c", inChannels: inputShape[1], outChannels: o, kernel: (3, 3, 3), padding: (1, 1, 1), rng: &rng)
    let other = Conv(sharing: conv)
    switchOff(other)
    let bn = batchNormWithRandomStatistics(channels: o, seed: 6)
    let x = randomTensor(inputShape, seed: 7)
    return (conv, bn, x, conv.forward(x, foldingInference: bn).array, other.forward(x, foldingInference: bn).array)
}

/// Asserts that the output frames in `computed` of `y` (N, O, D, H, W flattened, `shape`'s output extent) equal
/// `reference`, and that every other frame still holds `untouched`.
func assertOnlyFramesComputed(_ y: Tensor, _ reference: Tensor, _ shape: ConvShape, computed: Set<Int>, untouched: Float,
                              relativeAccuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    let frame = shape.oh * shape.ow
    for i in 0..<y.count {
        let z = (i / frame) % shape.od
        if computed.contains(z) {
            XCTAssertEqual(y[i], reference[i], accuracy: relativeAccuracy * max(1, abs(reference[i])), "computed frame \(z)",
                           file: file, line: line)
        } else {
            XCTAssertEqual(y[i], untouched, "frame \(z) is left alone", file: file, line: line)
        }
    }
}

/// A fast forward convolution asked for the runs `outputFrames` of shape `s` writes exactly those frames (matching
/// `convForwardNaive` to `relativeAccuracy`) and leaves the others as the caller filled them. `fast` writes into its
/// last argument.
func assertComputesOnlyOutputFrameRuns(_ s: ConvShape, _ outputFrames: [Range<Int>], relativeAccuracy: Float,
                                       file: StaticString = #filePath, line: UInt = #line,
                                       _ fast: (_ x: Tensor, _ w: Tensor, _ b: Tensor, _ runs: [Range<Int>], _ y: Tensor) throws -> Void) rethrows {
    let x = randomTensor([s.n * s.inSize], seed: 1), w = randomTensor([s.o * s.k], seed: 2), b = randomTensor([s.o], seed: 3)
    let reference = Tensor(shape: [s.n * s.outSize]), y = Tensor(shape: [s.n * s.outSize])
    convForwardNaive(out: reference.data, inp: x.data, weight: w.data, bias: b.data, s)
    y.fill(7)
    try fast(x, w, b, outputFrames, y)
    assertOnlyFramesComputed(y, reference, s, computed: Set(outputFrames.flatMap { Array($0) }), untouched: 7,
                             relativeAccuracy: relativeAccuracy, file: file, line: line)
}

/// A fast forward convolution against `convForwardNaive` on each shape, serial and batch-parallel (2 Swift workers):
/// random input, weight and bias (none for the shapes in `withoutBias`); `fast` writes its output into the last
/// argument.
func assertForwardMatchesNaive(_ shapes: [ConvShape], withoutBias: Set<Int> = [], tolerance: Float,
                               file: StaticString = #filePath, line: UInt = #line,
                               _ fast: (_ shape: ConvShape, _ x: Tensor, _ w: Tensor, _ b: Tensor?, _ y: Tensor) throws -> Void) rethrows {
    for parallel in [false, true] {
        Threads.configure(threads: 2, preferBLAS: !parallel)
        defer { Threads.configure(threads: 1) }
        for (i, s) in shapes.enumerated() {
            let x = randomTensor([s.n * s.inSize], seed: UInt64(i)), w = randomTensor([s.o * s.k], seed: UInt64(10 + i))
            let b = withoutBias.contains(i) ? nil : randomTensor([s.o], seed: UInt64(20 + i))
            let y = Tensor(shape: [s.n * s.outSize]), reference = Tensor(shape: [s.n * s.outSize])
            try fast(s, x, w, b, y)
            convForwardNaive(out: reference.data, inp: x.data, weight: w.data, bias: b?.data, s)
            assertClose(y.array, reference.array, rtol: tolerance, atol: tolerance, "shape \(i), parallel \(parallel)",
                        file: file, line: line)
        }
    }
}

/// Asserts |a - b| <= atol + rtol * |b| elementwise.
func assertClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5, _ label: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(label): count", file: file, line: line)
    var worst: Float = 0, worstI = -1
    for i in 0..<min(a.count, b.count) {
        let err = abs(a[i] - b[i]) - (atol + rtol * abs(b[i]))
        if err > worst { worst = err; worstI = i }
    }
    if worstI >= 0 {
        XCTFail("\(label): element \(worstI) got \(a[worstI]) expected \(b[worstI])", file: file, line: line)
    }
}

/// Finite-difference gradient check of a scalar function of several tensors.
/// `loss` must be deterministic; `analytic` gives the gradient for each tensor (after one evaluation).
/// Central difference, loss accumulated in Double; points where the one-sided slopes disagree (kinks) are skipped.
func finiteDifferenceCheck(tensors: [(String, Tensor)], analytic: [[Float]], eps: Float = 1e-2,
                           rtol: Double = 2e-2, atol: Double = 5e-3, maxChecks: Int = 30, seed: UInt64 = 7,
                           loss: () -> Double, file: StaticString = #filePath, line: UInt = #line) {
    var rng = RNG(seed: seed)
    var checked = 0, skipped = 0
    for (ti, (name, t)) in tensors.enumerated() {
        let indices = t.count <= maxChecks ? Array(0..<t.count) : (0..<maxChecks).map { _ in rng.int(t.count) }
        for i in indices {
            let orig = t.data[i]
            let l0 = loss()
            t.data[i] = orig + eps; let lp = loss()
            t.data[i] = orig - eps; let lm = loss()
            t.data[i] = orig
            let fwd = (lp - l0) / Double(eps), bwd = (l0 - lm) / Double(eps)
            if abs(fwd - bwd) > 1e-2 + 0.2 * max(abs(fwd), abs(bwd)) { skipped += 1; continue }  // kink
            let num = (lp - lm) / (2 * Double(eps))
            let ana = Double(analytic[ti][i])
            checked += 1
            if abs(num - ana) > atol + rtol * abs(num) {
                XCTFail("grad check \(name)[\(i)]: analytic \(ana) numeric \(num)", file: file, line: line)
                return
            }
        }
    }
    XCTAssertGreaterThan(checked, skipped, "too many kinks skipped", file: file, line: line)
}

/// Gradient check of a Layer with loss = sum(out * r): checks the input and every parameter.
func gradCheckLayer(_ layer: Layer, input: Tensor, training: Bool = true, eps: Float = 1e-2, rtol: Double = 2e-2,
                    prepare: () -> Void = {}, file: StaticString = #filePath, line: UInt = #line) {
    prepare()
    let y0 = layer.forward(input, training: training)
    let r = randomTensor(y0.shape, seed: 99)
    zeroGrad(layer.parameters)
    let dx = layer.backward(r).array
    let params = layer.parameters
    let analytic = [dx] + params.map { $0.grad.array }
    let tensors = [("input", input)] + params.map { ($0.name, $0.value) }
    finiteDifferenceCheck(tensors: tensors, analytic: analytic, eps: eps, rtol: rtol, loss: {
        prepare()
        let y = layer.forward(input, training: training)
        var acc = 0.0
        for i in 0..<y.count { acc += Double(y.data[i]) * Double(r.data[i]) }
        return acc
    }, file: file, line: line)
}

func fixtures() throws -> SafetensorsFile {
    guard let url = Bundle.module.url(forResource: "layers", withExtension: "safetensors", subdirectory: "Fixtures") else {
        throw CheckpointError("Fixtures/layers.safetensors", "fixture not found in the test bundle")
    }
    return try Safetensors.read(url.path)
}

extension SafetensorsFile {
    func tensor(_ name: String) -> Tensor {
        guard let t = tensors[name] else { fatalError("fixture tensor \(name) missing") }
        return Tensor(shape: t.shape, values: t.values)
    }
    func values(_ name: String) -> [Float] { tensors[name]!.values }
}
