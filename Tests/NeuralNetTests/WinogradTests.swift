import XCTest
@testable import NeuralNet

final class WinogradTests: XCTestCase {
    private func winograd(_ x: Tensor, _ w: Tensor, _ b: Tensor, _ pl: WinogradConvPlan, into y: Tensor,
                          outputFrames: [Range<Int>]? = nil) {
        let u = Tensor(shape: [pl.weightSize]), work = Tensor(shape: [pl.workspaceSize])
        winogradTransformWeight(u.data, w.data, pl)
        convWinogradForward(out: y.data, work: work.data, inp: x.data, u: u.data, bias: b.data, pl, outputFrames: outputFrames)
    }

    /// F(2x2, 3x3) against the direct loops: 3D with depth padding, a single frame, two temporal taps without
    /// padding, and the channel counts of the network's second layer; serial and batch-parallel plans.
    func testMatchesNaive() throws {
        let shapes: [ConvShape] = [
            ConvShape(n: 2, c: 3, d: 4, h: 6, w: 8, o: 4, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 1, c: 5, d: 1, h: 4, w: 2, o: 2, kernel: (1, 3, 3), padding: (0, 1, 1)),
            ConvShape(n: 3, c: 2, d: 5, h: 2, w: 6, o: 3, kernel: (2, 3, 3), padding: (0, 1, 1)),
            ConvShape(n: 3, c: 16, d: 7, h: 8, w: 8, o: 32, kernel: (3, 3, 3), padding: (1, 1, 1)),
            // The first layer's shape class (3 input channels, inner dimension 9) at a smaller size.
            ConvShape(n: 2, c: 3, d: 3, h: 32, w: 34, o: 16, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 2, c: 4, d: 3, h: 32, w: 34, o: 32, kernel: (3, 3, 3), padding: (1, 1, 1)),
        ]
        try assertForwardMatchesNaive(shapes, tolerance: 1e-4) { s, x, w, b, y in
            winograd(x, w, b!, try XCTUnwrap(WinogradConvPlan(s), "\(s)"), into: y)
        }
    }

    /// Only the requested runs of output frames are written; the others keep what the caller put there.
    func testOutputFrameRuns() throws {
        let s = ConvShape(n: 2, c: 4, d: 6, h: 16, w: 20, o: 40, kernel: (3, 3, 3), padding: (1, 1, 1))
        let pl = try XCTUnwrap(WinogradConvPlan(s))
        assertComputesOnlyOutputFrameRuns(s, [0..<1, 2..<5], relativeAccuracy: 1e-4) { x, w, b, runs, y in
            winograd(x, w, b, pl, into: y, outputFrames: runs)
        }
    }

    func testPlanOnlyForItsShapes() {
        XCTAssertNotNil(WinogradConvPlan(ConvShape(n: 1, c: 1, d: 3, h: 4, w: 4, o: 1, kernel: (3, 3, 3), padding: (1, 1, 1))))
        XCTAssertNil(WinogradConvPlan(ConvShape(n: 1, c: 1, d: 3, h: 5, w: 4, o: 1, kernel: (3, 3, 3), padding: (1, 1, 1))), "odd height")
        XCTAssertNil(WinogradConvPlan(ConvShape(n: 1, c: 1, d: 3, h: 4, w: 4, o: 1, kernel: (3, 3, 3), stride: (1, 2, 2), padding: (1, 1, 1))), "stride 2")
        XCTAssertNil(WinogradConvPlan(ConvShape(n: 1, c: 1, d: 3, h: 4, w: 4, o: 1, kernel: (3, 5, 5), padding: (1, 2, 2))), "5x5")
        XCTAssertNil(WinogradConvPlan(ConvShape(n: 1, c: 1, d: 3, h: 4, w: 4, o: 1, kernel: (3, 3, 3))), "no spatial padding")
        XCTAssertNil(WinogradConvPlan(ConvShape(n: 1, c: 1, d: 3, h: 4, w: 4, o: 1, kernel: (3, 3, 3), stride: (2, 1, 1), padding: (1, 1, 1))), "depth stride 2")
    }

    /// The layer: inference with folded batch norm gives the same output with and without Winograd.
    func testLayerFoldedInference() {
        let (conv, bn, x, fast, reference) = foldedInferenceWithAndWithout(outChannels: 6, inputShape: [3, 4, 5, 8, 6]) {
            $0.useWinograd = false
        }
        XCTAssertTrue(conv.useWinograd)
        assertClose(fast, reference, rtol: 1e-4, atol: 1e-4, "Winograd vs frame-shifted GEMMs")
        let naive = Conv(sharing: conv)
        naive.useNaive = true
        assertClose(bn.forward(naive.forward(x, training: false), training: false).array, fast, rtol: 1e-4, atol: 1e-4, "vs naive conv then BN")
    }

    /// A 2D convolution (the decoders'), 32 channels to 3 as the last one: the same in training by Winograd as naive.
    func testTraining2DConvolutionMatchesNaive() {
        var rng = RNG(seed: 60)
        let conv = Conv(name: "c", inChannels: 32, outChannels: 3, kernel: (3, 3), padding: (1, 1), rng: &rng)
        let naive = Conv(sharing: conv)
        naive.useNaive = true
        let x = randomTensor([2, 32, 8, 12], seed: 61), dy = randomTensor([2, 3, 8, 12], seed: 62)
        zeroGrad(conv.parameters)
        let y = conv.forward(x, training: true).array, dx = conv.backward(dy).array
        let (dw, db) = (conv.weight.grad.array, conv.bias!.grad.array)
        zeroGrad(conv.parameters)
        assertClose(y, naive.forward(x, training: true).array, rtol: 1e-4, atol: 1e-4, "2D output")
        assertClose(dx, naive.backward(dy).array, rtol: 1e-4, atol: 1e-4, "2D input gradient")
        assertClose(dw, naive.weight.grad.array, rtol: 1e-4, atol: 1e-4, "2D weight gradient")
        assertClose(db, naive.bias!.grad.array, rtol: 1e-4, atol: 1e-4, "2D bias gradient")
    }

    /// In training, the forward pass, the input gradient (the convolution of the output gradient with the flipped
    /// kernel, channels swapped) and the weight gradient by Winograd equal the naive loops: the output and the input,
    /// weight and bias gradients, serial and batch-parallel, with depth kernels of 3 and 1; without an input gradient
    /// (a first layer) the weight gradient is unchanged.
    func testTrainingForwardAndInputGradientMatchNaive() {
        for parallel in [false, true] {
            Threads.configure(threads: 2, preferBLAS: !parallel)
            defer { Threads.configure(threads: 1) }
            for (i, kd) in [3, 1].enumerated() {
                var rng = RNG(seed: UInt64(30 + i))
                let conv = Conv(name: "c", inChannels: 8, outChannels: 12, kernel: (kd, 3, 3), padding: (kd / 2, 1, 1), rng: &rng)
                let naive = Conv(sharing: conv)
                naive.useNaive = true
                let x = randomTensor([3, 8, 5, 6, 10], seed: UInt64(40 + i)), dy = randomTensor([3, 12, 5, 6, 10], seed: UInt64(50 + i))
                for layer in [conv, naive] { zeroGrad(layer.parameters) }
                let y = conv.forward(x, training: true).array, dx = conv.backward(dy).array
                let (dw, db) = (conv.weight.grad.array, conv.bias!.grad.array)
                for layer in [conv, naive] { zeroGrad(layer.parameters) }
                assertClose(y, naive.forward(x, training: true).array, rtol: 1e-4, atol: 1e-4, "output, kd \(kd), parallel \(parallel)")
                assertClose(dx, naive.backward(dy).array, rtol: 1e-4, atol: 1e-4, "input gradient, kd \(kd), parallel \(parallel)")
                // (The two layers share their parameters: the gradients now are the naive pass's.)
                assertClose(dw, naive.weight.grad.array, rtol: 1e-4, atol: 1e-4, "weight gradient, kd \(kd)")
                assertClose(db, naive.bias!.grad.array, rtol: 1e-4, atol: 1e-4, "bias gradient, kd \(kd)")

                conv.computeInputGrad = false
                zeroGrad(conv.parameters)
                _ = conv.forward(x, training: true)
                _ = conv.backward(dy)
                assertClose(conv.weight.grad.array, dw, rtol: 1e-6, atol: 1e-6, "no input gradient: the same weight gradient")
            }
        }
    }
}
