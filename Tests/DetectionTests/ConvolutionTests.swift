import XCTest
@testable import Detection

/// The NeuralNet-backed Darknet convolution (per group vol2col + cblas_sgemm) against the naive im2col + loop GEMM.
final class ConvolutionTests: XCTestCase {
    func testGroupedStridedConvMatchesNaiveReference() {
        let inShape = TensorShape(c: 4, h: 7, w: 9)
        let spec = ConvolutionalSpec(filters: 6, size: 3, stride: 2, padding: 1, groups: 2, batchNormalize: false, activation: .linear)
        let outShape = TensorShape(c: 6, h: 4, w: 5)
        let input: [Float] = (0..<inShape.count).map { (i: Int) -> Float in Float((i * 37) % 23) / 11 - 1 }
        let weights: [Float] = (0..<108).map { (i: Int) -> Float in Float((i * 17) % 13) / 7 - 0.9 }
        var fast = [Float](repeating: 0, count: outShape.count), slow = fast
        input.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                fast.withUnsafeMutableBufferPointer {
                    Convolution.forward(input: x.baseAddress!, inShape, weights: w.baseAddress!, spec, output: $0.baseAddress!, outShape)
                }
                slow.withUnsafeMutableBufferPointer { out in
                    var col = [Float](repeating: 0, count: 2 * 9 * 20)
                    col.withUnsafeMutableBufferPointer { c in
                        for g in 0..<2 {
                            Convolution.im2col(x.baseAddress! + g * 2 * 63, c: 2, h: 7, w: 9, size: 3, stride: 2, pad: 1,
                                               outH: 4, outW: 5, col: c.baseAddress!)
                            Convolution.naiveGEMM(3, 20, 18, w.baseAddress! + g * 3 * 18, c.baseAddress!, out.baseAddress! + g * 3 * 20)
                        }
                    }
                }
            }
        }
        let diff = zip(fast, slow).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(diff, 1e-5)
    }
}

/// The inference plans (folded batch norm, Winograd with odd sizes padded, 1x1 GEMM, im2col) against the reference
/// path (im2col + GEMM, then batch norm, then activation), on a network with every case.
final class ConvolutionPlanTests: XCTestCase {
    func testPlansMatchTheReferencePath() throws {
        let cfg = """
            [net]
            width=13
            height=11
            channels=3
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            filters=6
            size=3
            stride=1
            pad=1
            activation=linear
            [maxpool]
            size=2
            stride=2
            [convolutional]
            batch_normalize=1
            filters=10
            size=3
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            batch_normalize=1
            filters=5
            size=1
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            filters=4
            size=3
            stride=2
            pad=1
            activation=leaky
            [convolutional]
            filters=4
            size=3
            stride=1
            pad=1
            groups=2
            activation=relu
            """
        let net = try DarknetNetwork.parse(cfg)
        var state: UInt64 = 12345
        func next() -> Float {   // deterministic values in [-1, 1)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
        let weights = DarknetWeights.generated(for: net) { _, _, _ in next() }
        let runner = try DarknetRunner(network: net, weights: weights)
        XCTAssertEqual(runner.convolutionKernels, [0: "winograd", 1: "winograd", 3: "winograd", 4: "gemm", 5: "im2col", 6: "im2col"])
        let input = (0..<net.input.count).map { _ in (next() + 1) / 2 }
        let every = Set(net.layers.indices)
        let fast = try runner.forward(input, keep: every)
        runner.useReferenceKernels = true
        let reference = try runner.forward(input, keep: every)
        for i in net.layers.indices {
            let a = try XCTUnwrap(fast[i]), b = try XCTUnwrap(reference[i])
            XCTAssertEqual(a.count, b.count)
            let scale = b.map(abs).max() ?? 1
            let diff = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(diff, 1e-5 * max(1, scale), "layer \(i) (\(runner.convolutionKernels[i] ?? net.layers[i].kind.name))")
            XCTAssertGreaterThan(scale, 0.01, "layer \(i) is not all zeros")
        }
    }
}

/// im2col in bands and the fast 2x2 maxpool against the reference kernels.
final class BandAndPoolTests: XCTestCase {
    func values(_ n: Int, seed: Int) -> [Float] { (0..<n).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1 } }

    /// The plan's output against `Convolution.forward` (im2col + GEMM, no batch norm): the largest difference.
    func planDifference(input: TensorShape, spec: ConvolutionalSpec, output: TensorShape, seed: Int,
                        expectedKernel: String, file: StaticString = #filePath, line: UInt = #line) -> Float {
        var weights = LayerWeights()
        weights.biases = [Float](repeating: 0, count: spec.filters)
        weights.weights = values(spec.filters * input.c * spec.size * spec.size, seed: seed)
        // bandFloats 1: every band as small as allowed (ceil(512 / outW) rows).
        let plan = ConvolutionPlan(spec: spec, input: input, output: output, weights: weights, bandFloats: 1)
        XCTAssertEqual(plan.kernelName, expectedKernel, file: file, line: line)
        let x = values(input.count, seed: seed + 1)
        var fast = [Float](repeating: .nan, count: output.count), reference = fast
        x.withUnsafeBufferPointer { xb in
            fast.withUnsafeMutableBufferPointer { plan.forward(input: xb.baseAddress!, output: $0.baseAddress!) }
            weights.weights.withUnsafeBufferPointer { wb in
                reference.withUnsafeMutableBufferPointer {
                    Convolution.forward(input: xb.baseAddress!, input, weights: wb.baseAddress!, spec, output: $0.baseAddress!, output)
                }
            }
        }
        return zip(fast, reference).map { abs($0 - $1) }.max()!
    }

    func testBandedIm2colMatchesTheReference() {
        // Small frames: Winograd at stride 1, one band of im2col at stride 2.
        for (stride, h, w) in [(1, 23, 17), (2, 23, 17), (2, 24, 30)] {
            let spec = ConvolutionalSpec(filters: 7, size: 3, stride: stride, padding: 1, groups: 1, batchNormalize: false, activation: .linear)
            let output = TensorShape(c: 7, h: (h + 2 - 3) / stride + 1, w: (w + 2 - 3) / stride + 1)
            let diff = planDifference(input: TensorShape(c: 5, h: h, w: w), spec: spec, output: output, seed: 1,
                                      expectedKernel: stride == 1 ? "winograd" : "im2col")
            XCTAssertLessThan(diff, 1e-5, "stride \(stride), \(h) x \(w)")
        }
        // A frame too large for Winograd (80 x 80 is 1600 tiles): im2col in bands of ceil(512 / 80) = 7 rows, the
        // last of 3 rows.
        let spec = ConvolutionalSpec(filters: 3, size: 3, stride: 1, padding: 1, groups: 1, batchNormalize: false, activation: .linear)
        let diff = planDifference(input: TensorShape(c: 2, h: 80, w: 80), spec: spec, output: TensorShape(c: 3, h: 80, w: 80),
                                  seed: 3, expectedKernel: "im2col")
        XCTAssertLessThan(diff, 1e-5)
        // Planes with fewer pixels than the kernel (2 x 2, 1 x 3 and 1 x 1 under 3 x 3): the dense matrix, a single
        // input by one GEMV.
        for (h, w) in [(2, 2), (1, 3), (1, 1)] {
            let spec = ConvolutionalSpec(filters: 5, size: 3, stride: 1, padding: 1, groups: 1, batchNormalize: false, activation: .linear)
            let diff = planDifference(input: TensorShape(c: 4, h: h, w: w), spec: spec, output: TensorShape(c: 5, h: h, w: w),
                                      seed: 5 + h + w, expectedKernel: "dense")
            XCTAssertLessThan(diff, 1e-5, "\(h) x \(w)")
        }
    }

    /// `forward(batch:)` (one GEMM over several inputs' columns, in chunks) against the plan run on each input
    /// alone: strides 1 and 2, 3 x 3 and 1 x 1, planes of 1 to 35 pixels (dense below 9), a chunk limit that splits the batch.
    func testBatchedConvolutionMatchesEachInputAlone() {
        let cases: [(size: Int, stride: Int, h: Int, w: Int)] = [(3, 1, 2, 2), (3, 1, 5, 7), (3, 2, 5, 7), (1, 1, 3, 4), (3, 1, 1, 1), (3, 2, 2, 3)]
        for (n, c) in cases.enumerated() {
            let pad = c.size / 2
            let spec = ConvolutionalSpec(filters: 6, size: c.size, stride: c.stride, padding: pad, groups: 1,
                                         batchNormalize: false, activation: .leaky)
            let input = TensorShape(c: 4, h: c.h, w: c.w)
            let output = TensorShape(c: 6, h: (c.h + 2 * pad - c.size) / c.stride + 1, w: (c.w + 2 * pad - c.size) / c.stride + 1)
            var weights = LayerWeights()
            weights.biases = values(6, seed: n + 7)
            weights.weights = values(6 * 4 * c.size * c.size, seed: n)
            let k = 4 * c.size * c.size
            // Room for the columns of 3 inputs: a batch of 7 runs in chunks of 3, 3 and 1.
            let plan = ConvolutionPlan(spec: spec, input: input, output: output, weights: weights, batchColumnFloats: 3 * k * output.h * output.w)
            XCTAssertTrue(plan.batchesWell, "case \(n)")
            // Planes with fewer pixels than the kernel (2 x 2 and 1 x 1 under 3 x 3) run as a dense matrix.
            XCTAssertEqual(plan.batchedKernelName, c.h * c.w < c.size * c.size ? "dense" : "im2col", "case \(n)")
            let inputs = (0..<7).map { values(input.count, seed: 100 * n + $0) }
            let batched = plan.forward(batch: inputs)
            XCTAssertEqual(batched.count, 7)
            for (i, x) in inputs.enumerated() {
                var alone = [Float](repeating: .nan, count: output.count)
                x.withUnsafeBufferPointer { xb in alone.withUnsafeMutableBufferPointer { plan.forward(input: xb.baseAddress!, output: $0.baseAddress!) } }
                XCTAssertEqual(batched[i].count, output.count)
                let diff = zip(batched[i], alone).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(diff, 1e-5, "case \(n), input \(i)")
                XCTAssertGreaterThan(alone.map(abs).max()!, 0.01, "case \(n), input \(i) is not all zeros")
            }
            XCTAssertNotEqual(batched[0], batched[1], "different inputs give different outputs")
        }
        // Grouped convolutions and large planes run input by input.
        let grouped = ConvolutionalSpec(filters: 4, size: 3, stride: 1, padding: 1, groups: 2, batchNormalize: false, activation: .linear)
        var w = LayerWeights(); w.biases = [0, 0, 0, 0]; w.weights = values(4 * 2 * 9, seed: 1)
        XCTAssertFalse(ConvolutionPlan(spec: grouped, input: TensorShape(c: 4, h: 2, w: 2), output: TensorShape(c: 4, h: 2, w: 2), weights: w).batchesWell)
        let plain = ConvolutionalSpec(filters: 4, size: 3, stride: 1, padding: 1, groups: 1, batchNormalize: false, activation: .linear)
        w.weights = values(4 * 4 * 9, seed: 1)
        XCTAssertFalse(ConvolutionPlan(spec: plain, input: TensorShape(c: 4, h: 16, w: 16), output: TensorShape(c: 4, h: 16, w: 16), weights: w).batchesWell)
    }

    func testFastMaxpoolMatchesTheReference() {
        for (h, w) in [(8, 6), (9, 7), (2, 2)] {
            let input = TensorShape(c: 3, h: h, w: w)
            let spec = MaxPoolSpec(size: 2, stride: 2, padding: 1)
            let output = TensorShape(c: 3, h: (h + 1 - 2) / 2 + 1, w: (w + 1 - 2) / 2 + 1)
            let x = values(input.count, seed: h)
            var fast = [Float](repeating: .nan, count: output.count), reference = fast
            x.withUnsafeBufferPointer { xb in
                fast.withUnsafeMutableBufferPointer { DarknetKernels.maxpool(xb.baseAddress!, input, spec, $0.baseAddress!, output) }
                reference.withUnsafeMutableBufferPointer { DarknetKernels.maxpoolReference(xb.baseAddress!, input, spec, $0.baseAddress!, output) }
            }
            XCTAssertEqual(fast, reference, "\(h) x \(w)")
        }
    }
}
