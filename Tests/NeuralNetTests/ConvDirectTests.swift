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
}
