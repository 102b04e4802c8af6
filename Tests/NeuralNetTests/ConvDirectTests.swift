import XCTest
@testable import NeuralNet

/// The direct 3x3x3 kernel (conv_direct.c) of inference's first layer, against the naive loops. Skipped where the CPU
/// lacks AVX2 + FMA (the layer then keeps the GEMMs, which ConvTests cover).
final class ConvDirectTests: XCTestCase {
    private func plan(_ s: ConvShape) throws -> DirectConvPlan {
        try XCTSkipUnless(DirectConvPlan.available, "no AVX2 + FMA on this CPU")
        return try XCTUnwrap(DirectConvPlan(s))
    }

    private func direct(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ pl: DirectConvPlan, into y: Tensor,
                        outputFrames: [Range<Int>]? = nil) {
        let packed = Tensor(shape: [pl.weightSize]), work = Tensor(shape: [pl.workspaceSize])
        directPackWeight(packed.data, w.data, pl)
        convDirectForward(out: y.data, work: work.data, inp: x.data, packed: packed.data, bias: b?.data, pl,
                          outputFrames: outputFrames)
    }

    /// Widths that take every block size (8, 16, 24 pixels) and a partial last vector, output channels that are and
    /// are not a multiple of 4, one frame, and the network's first layer (3 -> 16, 7 x 64 x 64); serial and
    /// batch-parallel.
    func testMatchesNaive() throws {
        let shapes: [ConvShape] = [
            ConvShape(n: 2, c: 3, d: 4, h: 6, w: 8, o: 4, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 1, c: 1, d: 1, h: 5, w: 3, o: 1, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 3, c: 2, d: 5, h: 7, w: 37, o: 6, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 2, c: 5, d: 3, h: 4, w: 16, o: 9, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 3, c: 3, d: 7, h: 64, w: 64, o: 16, kernel: (3, 3, 3), padding: (1, 1, 1)),
        ]
        try assertForwardMatchesNaive(shapes, withoutBias: [1], tolerance: 1e-5) { s, x, w, b, y in
            direct(x, w, b, try plan(s), into: y)
        }
    }

    /// Only the requested runs of output frames are written; the others keep what the caller put there.
    func testOutputFrameRuns() throws {
        let s = ConvShape(n: 2, c: 3, d: 6, h: 10, w: 20, o: 5, kernel: (3, 3, 3), padding: (1, 1, 1))
        let pl = try plan(s)
        assertComputesOnlyOutputFrameRuns(s, [0..<1, 3..<6], relativeAccuracy: 1e-5) { x, w, b, runs, y in
            direct(x, w, b, pl, into: y, outputFrames: runs)
        }
    }

    func testPlanOnlyForItsShapes() throws {
        try XCTSkipUnless(DirectConvPlan.available, "no AVX2 + FMA on this CPU")
        XCTAssertNotNil(DirectConvPlan(ConvShape(n: 1, c: 3, d: 3, h: 5, w: 7, o: 2, kernel: (3, 3, 3), padding: (1, 1, 1))))
        XCTAssertNil(DirectConvPlan(ConvShape(n: 1, c: 3, d: 3, h: 4, w: 4, o: 1, kernel: (1, 3, 3), padding: (0, 1, 1))), "depth kernel 1")
        XCTAssertNil(DirectConvPlan(ConvShape(n: 1, c: 3, d: 3, h: 4, w: 4, o: 1, kernel: (3, 3, 3), stride: (1, 2, 2), padding: (1, 1, 1))), "stride 2")
        XCTAssertNil(DirectConvPlan(ConvShape(n: 1, c: 3, d: 3, h: 4, w: 4, o: 1, kernel: (3, 3, 3))), "no padding")
    }

    /// The layer in inference (batch norm folded) runs the direct kernel for 3 input channels and gives what the
    /// GEMMs give; training's forward does not use it.
    func testLayerFoldedInference() throws {
        try XCTSkipUnless(DirectConvPlan.available, "no AVX2 + FMA on this CPU")
        let (conv, _, x, fast, reference) = foldedInferenceWithAndWithout(outChannels: 16, inputShape: [2, 3, 7, 16, 24]) {
            $0.useDirect = false
        }
        XCTAssertTrue(conv.useDirect)
        XCTAssertNotEqual(fast, reference, "the two paths sum in other orders: equal bits would mean one path ran twice")
        assertClose(fast, reference, rtol: 1e-5, atol: 1e-5, "direct vs frame-shifted GEMMs")
        let gemm = Conv(sharing: conv)
        gemm.useDirect = false
        XCTAssertEqual(conv.forward(x, training: false).array, gemm.forward(x, training: false).array,
                       "outside folded inference both run the GEMMs")
    }

    /// The fused convolution + ReLU + 2x2 pooling gives, bit for bit, what the direct convolution followed by the
    /// separate fused ReLU + pooling gives: widths that take every block size and a partial last vector, output
    /// channels that are and are not a multiple of 4, the network's first layer, requested runs of output frames
    /// (the other frames keep what the caller put there), serial and batch-parallel.
    func testReLUPoolingFusedEqualsSeparate() throws {
        let cases: [(ConvShape, [Range<Int>]?)] = [
            (ConvShape(n: 2, c: 3, d: 4, h: 6, w: 8, o: 4, kernel: (3, 3, 3), padding: (1, 1, 1)), nil),
            (ConvShape(n: 1, c: 1, d: 1, h: 2, w: 2, o: 1, kernel: (3, 3, 3), padding: (1, 1, 1)), nil),
            (ConvShape(n: 3, c: 2, d: 5, h: 8, w: 38, o: 6, kernel: (3, 3, 3), padding: (1, 1, 1)), nil),
            (ConvShape(n: 2, c: 5, d: 3, h: 4, w: 16, o: 9, kernel: (3, 3, 3), padding: (1, 1, 1)), nil),
            (ConvShape(n: 3, c: 3, d: 7, h: 64, w: 64, o: 16, kernel: (3, 3, 3), padding: (1, 1, 1)), nil),
            (ConvShape(n: 2, c: 3, d: 6, h: 10, w: 20, o: 5, kernel: (3, 3, 3), padding: (1, 1, 1)), [0..<1, 3..<6]),
        ]
        for (index, (s, runs)) in cases.enumerated() {
            let pl = try plan(s)
            let x = randomTensor([s.n, s.c, s.d, s.h, s.w], seed: UInt64(10 + index))
            let w = randomTensor([s.o, s.c, 3, 3, 3], seed: UInt64(20 + index)), b = randomTensor([s.o], seed: UInt64(30 + index))
            let full = Tensor(shape: [s.n, s.o, s.d, s.h, s.w])
            direct(x, w, b, pl, into: full)
            let separate = Tensor(shape: [s.n, s.o, s.d, s.h / 2, s.w / 2])
            maxPool2x2ReLUForward(out: separate.data, inp: full.data, planes: s.n * s.o * s.d, h: s.h, w: s.w)
            let untouched: Float = -7
            let fused = Tensor(shape: separate.shape)
            for i in 0..<fused.count { fused[i] = untouched }
            let packed = Tensor(shape: [pl.weightSize]), work = Tensor(shape: [pl.workspaceSize])
            directPackWeight(packed.data, w.data, pl)
            convDirectForwardReLUPool2(out: fused.data, work: work.data, inp: x.data, packed: packed.data, bias: b.data, pl,
                                       outputFrames: runs)
            let computed = Set((runs ?? [0..<s.d]).flatMap { Array($0) })
            let frame = (s.h / 2) * (s.w / 2)
            var positive = 0, zero = 0
            for i in 0..<fused.count {
                let z = (i / frame) % s.d
                if computed.contains(z) {
                    XCTAssertEqual(fused[i].bitPattern, separate[i].bitPattern, "case \(index), value \(i)")
                    if fused[i] > 0 { positive += 1 } else { zero += 1 }
                } else {
                    XCTAssertEqual(fused[i], untouched, "case \(index): frame \(z) is left alone")
                }
            }
            XCTAssertGreaterThan(positive, 0, "case \(index): some windows pass the ReLU")
            if s.o * s.d * frame > 16 { XCTAssertGreaterThan(zero, 0, "case \(index): some windows are cut by the ReLU") }
        }
    }

    /// A network's Conv + BatchNorm + ReLU + MaxPool (1, 2, 2) block takes the fused pass in inference, with the same
    /// bits as the folded convolution followed by the separate pooling; odd frames and the GEMM path keep the
    /// separate layers.
    func testSequentialTakesTheFusedPass() throws {
        try XCTSkipUnless(DirectConvPlan.available, "no AVX2 + FMA on this CPU")
        var rng = RNG(seed: 3)
        let conv = Conv(name: "c", inChannels: 3, outChannels: 16, kernel: (3, 3, 3), padding: (1, 1, 1), rng: &rng)
        let bn = batchNormWithRandomStatistics(channels: 16, seed: 4)
        let pool = MaxPool(kernel: (1, 2, 2))
        let net = Sequential([conv, bn, ReLU(), pool])
        func profiledKeys(_ x: Tensor) -> (output: [Float], keys: String) {
            LayerProfiler.reset()
            LayerProfiler.enabled = true
            defer { LayerProfiler.enabled = false; LayerProfiler.reset() }
            let y = net.forward(x, training: false).array
            return (y, LayerProfiler.report().joined(separator: "\n"))
        }
        let x = randomTensor([2, 3, 7, 16, 24], seed: 8)
        let (fused, keys) = profiledKeys(x)
        XCTAssertTrue(keys.contains("Conv+BN+ReLU+MaxPool"), keys)
        let separateConv = Conv(sharing: conv)
        let reference = MaxPool(kernel: (1, 2, 2)).forwardReLUInference(separateConv.forward(x, foldingInference: bn))!
        XCTAssertEqual(fused.map(\.bitPattern), reference.array.map(\.bitPattern))

        let odd = randomTensor([1, 3, 3, 5, 8], seed: 9)
        XCTAssertFalse(profiledKeys(odd).keys.contains("Conv+BN+ReLU+MaxPool"), "odd height: separate layers")
        conv.useDirect = false
        XCTAssertFalse(profiledKeys(x).keys.contains("Conv+BN+ReLU+MaxPool"), "GEMM path: separate layers")
    }
}
