import XCTest
@testable import NeuralNet

/// Inference's Winograd F(4x4, 3x3) (Winograd4.swift, winograd4.c) against the naive loops. Skipped where the CPU
/// lacks AVX2 (inference then keeps F(2x2, 3x3), which WinogradTests cover).
final class Winograd4Tests: XCTestCase {
    private func plan(_ s: ConvShape) throws -> Winograd4ConvPlan {
        try XCTSkipUnless(Winograd4ConvPlan.available, "no AVX2 on this CPU")
        return try XCTUnwrap(Winograd4ConvPlan(s))
    }

    private func winograd4(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ pl: Winograd4ConvPlan, into y: Tensor,
                           outputFrames: [Range<Int>]? = nil) {
        let u = Tensor(shape: [pl.weightSize]), work = Tensor(shape: [pl.workspaceSize])
        winograd4TransformWeight(u.data, w.data, pl)
        convWinograd4Forward(out: y.data, work: work.data, inp: x.data, u: u.data, bias: b?.data, pl, outputFrames: outputFrames)
    }

    /// Tile columns below, at and beyond one block of eight (4, 8, 12: the scalar path, the AVX2 path, both), a
    /// non-square frame, one frame with depth kernel 1, a depth kernel of 3, and the network's second layer (16 -> 32,
    /// 7 x 32 x 32); serial and batch-parallel. The tolerance is F(4x4, 3x3)'s rounding: with inputs and weights of
    /// order 1 and 432 terms per output (outputs of order 10), the transforms' multiplications by up to 8 and 1/24
    /// leave errors of a few 1e-4 (measured: 4.6e-4 at worst on the last shape); a wrong tap or sign gives order 1.
    func testMatchesNaive() throws {
        let shapes: [ConvShape] = [
            ConvShape(n: 2, c: 3, d: 2, h: 8, w: 16, o: 4, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 1, c: 2, d: 1, h: 4, w: 32, o: 3, kernel: (1, 3, 3), padding: (0, 1, 1)),
            ConvShape(n: 3, c: 5, d: 3, h: 12, w: 48, o: 7, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 2, c: 16, d: 7, h: 32, w: 32, o: 32, kernel: (3, 3, 3), padding: (1, 1, 1)),
        ]
        try assertForwardMatchesNaive(shapes, withoutBias: [1], tolerance: 1e-3) { s, x, w, b, y in
            winograd4(x, w, b, try plan(s), into: y)
        }
    }

    /// Only the requested runs of output frames are written; the others keep what the caller put there.
    func testOutputFrameRuns() throws {
        let s = ConvShape(n: 2, c: 4, d: 6, h: 8, w: 32, o: 5, kernel: (3, 3, 3), padding: (1, 1, 1))
        let pl = try plan(s)
        assertComputesOnlyOutputFrameRuns(s, [0..<1, 3..<6], relativeAccuracy: 2e-4) { x, w, b, runs, y in
            winograd4(x, w, b, pl, into: y, outputFrames: runs)
        }
    }

    func testPlanOnlyForItsShapes() throws {
        XCTAssertNotNil(Winograd4ConvPlan(ConvShape(n: 1, c: 8, d: 3, h: 4, w: 8, o: 2, kernel: (3, 3, 3), padding: (1, 1, 1))))
        XCTAssertNil(Winograd4ConvPlan(ConvShape(n: 1, c: 8, d: 3, h: 6, w: 8, o: 2, kernel: (3, 3, 3), padding: (1, 1, 1))), "height not a multiple of 4")
        XCTAssertNil(Winograd4ConvPlan(ConvShape(n: 1, c: 8, d: 3, h: 8, w: 8, o: 2, kernel: (3, 3, 3), stride: (1, 2, 2), padding: (1, 1, 1))), "stride 2")
        XCTAssertNil(Winograd4ConvPlan(ConvShape(n: 1, c: 8, d: 3, h: 8, w: 8, o: 2, kernel: (3, 1, 1), padding: (1, 0, 0))), "1x1 in space")
    }

    /// The layer in folded inference takes F(4x4, 3x3) on a 32x32 frame and gives what F(2x2, 3x3) gives to
    /// F(4x4)'s rounding; training's forward keeps F(2x2, 3x3) (bit for bit), and so do frames below 32x32.
    func testLayerFoldedInference() throws {
        try XCTSkipUnless(Winograd4ConvPlan.available, "no AVX2 on this CPU")
        let (conv, _, x, fast, reference) = foldedInferenceWithAndWithout(outChannels: 32, inputShape: [2, 16, 5, 32, 32]) {
            $0.useWinograd4 = false
        }
        XCTAssertTrue(conv.useWinograd4)
        XCTAssertNotEqual(fast, reference, "F(4x4) and F(2x2) round differently: equal bits would mean one path ran twice")
        assertClose(fast, reference, rtol: 2e-4, atol: 2e-4, "F(4x4, 3x3) vs F(2x2, 3x3)")
        let f2 = Conv(sharing: conv)
        f2.useWinograd4 = false
        XCTAssertEqual(conv.forward(x, training: false).array, f2.forward(x, training: false).array,
                       "outside folded inference both run F(2x2, 3x3)")
        let (_, _, _, small, smallReference) = foldedInferenceWithAndWithout(outChannels: 8, inputShape: [1, 8, 3, 16, 16]) {
            $0.useWinograd4 = false
        }
        XCTAssertEqual(small, smallReference, "a 16x16 frame stays on F(2x2, 3x3)")
    }
}
