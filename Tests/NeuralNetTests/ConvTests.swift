import XCTest
@testable import NeuralNet

final class ConvTests: XCTestCase {
    /// The im2col + sgemm path against the direct loops, forward and backward, for several shapes.
    func testFastMatchesNaive() {
        // The workspaces below are sized for one worker: the serial plan, whatever an earlier test left.
        Threads.configure(threads: 1)
        let shapes: [ConvShape] = [
            ConvShape(n: 2, c: 3, d: 4, h: 6, w: 5, o: 4, kernel: (3, 3, 3), padding: (1, 1, 1)),
            ConvShape(n: 1, c: 2, d: 5, h: 7, w: 7, o: 3, kernel: (2, 3, 1), stride: (2, 2, 1), padding: (0, 1, 0)),
            ConvShape(n: 2, c: 3, h: 9, w: 8, o: 5, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
            ConvShape(n: 1, c: 4, h: 5, w: 5, o: 2, kernel: (1, 1)),
            ConvShape(n: 1, c: 1, h: 6, w: 6, o: 2, kernel: (5, 5), stride: (1, 3), padding: (2, 2)),
        ]
        for (i, s) in shapes.enumerated() {
            let x = randomTensor([s.n * s.inSize], seed: UInt64(i)), w = randomTensor([s.o * s.k], seed: UInt64(10 + i))
            let b = randomTensor([s.o], seed: UInt64(20 + i)), dy = randomTensor([s.n * s.outSize], seed: UInt64(30 + i))
            let yf = Tensor(shape: [s.n * s.outSize]), yn = Tensor(shape: [s.n * s.outSize])
            let col = Tensor(shape: [s.k * s.p]), dcol = Tensor(shape: [s.k * s.p])
            convForward(out: yf.data, col: col.data, inp: x.data, weight: w.data, bias: b.data, s)
            convForwardNaive(out: yn.data, inp: x.data, weight: w.data, bias: b.data, s)
            assertClose(yf.array, yn.array, rtol: 1e-4, atol: 1e-4, "forward \(i)")
            let dxf = Tensor(shape: [s.n * s.inSize]), dxn = Tensor(shape: [s.n * s.inSize])
            let dwf = Tensor(shape: [s.o * s.k]), dwn = Tensor(shape: [s.o * s.k])
            let dbf = Tensor(shape: [s.o]), dbn = Tensor(shape: [s.o])
            // Accumulation: start both from the same non-zero values.
            dxf.fill(0.5); dxn.fill(0.5); dwf.fill(-0.25); dwn.fill(-0.25)
            convBackward(dinp: dxf.data, dweight: dwf.data, dbias: dbf.data, col: col.data, dcol: dcol.data,
                         dout: dy.data, inp: x.data, weight: w.data, s)
            convBackwardNaive(dinp: dxn.data, dweight: dwn.data, dbias: dbn.data, dout: dy.data, inp: x.data, weight: w.data, s)
            assertClose(dxf.array, dxn.array, rtol: 1e-4, atol: 1e-4, "dinp \(i)")
            assertClose(dwf.array, dwn.array, rtol: 1e-4, atol: 1e-4, "dweight \(i)")
            assertClose(dbf.array, dbn.array, rtol: 1e-4, atol: 1e-4, "dbias \(i)")
        }
    }

    /// The 2D 3x3 convolution `conv` of upsample2x(x), x (N, C, H, W), by the naive loops: the fused path's reference.
    private func upsampleThenNaiveConv(_ conv: Conv, _ x: Tensor) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]), o = conv.weight.value.shape[0]
        let up = Tensor(shape: [n, c, 2 * h, 2 * w])
        upsample2xForward(out: up.data, inp: x.data, nc: n * c, h: h, w: w)
        let s = ConvShape(n: n, c: c, h: 2 * h, w: 2 * w, o: o, kernel: (3, 3), padding: (1, 1))
        let reference = Tensor(shape: [n, o, 2 * h, 2 * w])
        convForwardNaive(out: reference.data, inp: up.data, weight: conv.weight.value.data, bias: conv.bias!.value.data, s)
        return reference
    }

    /// Fused upsample x2 + 3x3 convolution (+ folded BN) against upsample2xForward then the naive convolution, on
    /// non-square maps, under the serial and the batch-parallel plans.
    func testUpsampleConvMatchesUpsampleThenNaiveConv() {
        for (plan, (n, c, h, w, o)) in zip([false, true, true], [(2, 3, 4, 5, 2), (3, 4, 3, 7, 5), (1, 2, 1, 1, 3)]) {
            Threads.configure(threads: 2, preferBLAS: !plan)
            defer { Threads.configure(threads: 1) }
            var rng = RNG(seed: UInt64(40 + h))
            let conv = Conv(name: "c", inChannels: c, outChannels: o, kernel: (3, 3), padding: (1, 1), rng: &rng)
            let bn = BatchNorm(name: "b", channels: o)
            rng.fillUniform(bn.runningMean, -0.5, 0.5); rng.fillUniform(bn.runningVar, 0.5, 2)
            rng.fillUniform(bn.gamma.value, 0.5, 1.5); rng.fillUniform(bn.beta.value, -0.5, 0.5)
            let x = randomTensor([n, c, h, w], seed: UInt64(50 + h))
            let reference = upsampleThenNaiveConv(conv, x)
            XCTAssertTrue(conv.fusesWithUpsampling)
            assertClose(conv.forward(upsampling: x, foldingInference: nil).array, reference.array, rtol: 1e-5, atol: 1e-5, "plain \(h)x\(w)")
            let normalised = bn.forward(reference, training: false).array
            assertClose(conv.forward(upsampling: x, foldingInference: bn).array, normalised, rtol: 1e-5, atol: 1e-5, "with BN \(h)x\(w)")
        }
    }

    /// The fused upsampling's low-resolution convolution takes Winograd where `run` would: F(2x2, 3x3) from 8 input
    /// channels and even sizes, F(4x4, 3x3) from 32x32 (with AVX2). Each against upsample2xForward then the naive
    /// convolution, and against the layer with that path switched off (other rounding, so not bit-equal: the path ran).
    func testUpsampleConvWinogradPaths() throws {
        for (n, c, h, w, o, f4) in [(2, 8, 6, 8, 3, false), (1, 8, 32, 32, 3, true)] {
            if f4 { try XCTSkipUnless(Winograd4ConvPlan.available, "no AVX2 on this CPU") }
            var rng = RNG(seed: UInt64(60 + h))
            let conv = Conv(name: "c", inChannels: c, outChannels: o, kernel: (3, 3), padding: (1, 1), rng: &rng)
            let x = randomTensor([n, c, h, w], seed: UInt64(70 + h))
            let reference = upsampleThenNaiveConv(conv, x)
            let fast = conv.forward(upsampling: x, foldingInference: nil).array
            assertClose(fast, reference.array, rtol: 2e-4, atol: 2e-4, "\(h)x\(w), \(f4 ? "F(4x4)" : "F(2x2)")")
            let other = Conv(sharing: conv)
            if f4 { other.useWinograd4 = false } else { other.useWinograd = false }
            let slower = other.forward(upsampling: x, foldingInference: nil).array
            XCTAssertNotEqual(fast, slower, "\(h)x\(w): switching the path off changes the rounding")
            assertClose(slower, reference.array, rtol: 1e-4, atol: 1e-4, "\(h)x\(w), switched off")
        }
    }

    /// The batch-parallel plan (BLAS 1 thread, Swift workers over the batch) gives the same results.
    func testParallelPlanMatchesNaive() {
        Threads.configure(threads: 2, preferBLAS: false)
        defer { Threads.configure(threads: 1) }
        var rng = RNG(seed: 3)
        let conv = Conv(name: "c", inChannels: 3, outChannels: 4, kernel: (3, 3, 3), padding: (1, 1, 1), rng: &rng)
        let ref = Conv(sharing: conv); ref.useNaive = true
        let x = randomTensor([5, 3, 3, 6, 6], seed: 4), dy = randomTensor([5, 4, 3, 6, 6], seed: 5)
        let yf = conv.forward(x, training: true).array, yn = ref.forward(x, training: true).array
        assertClose(yf, yn, rtol: 1e-4, atol: 1e-4, "parallel forward")
        zeroGrad(conv.parameters)
        let dxf = conv.backward(dy).array, dwf = conv.weight.grad.array, dbf = conv.bias!.grad.array
        zeroGrad(conv.parameters)
        let dxn = ref.backward(dy).array
        assertClose(dxf, dxn, rtol: 1e-4, atol: 1e-4, "parallel dinp")
        assertClose(dwf, conv.weight.grad.array, rtol: 1e-4, atol: 1e-4, "parallel dweight")
        assertClose(dbf, conv.bias!.grad.array, rtol: 1e-4, atol: 1e-4, "parallel dbias")
        let pool = MaxPool(kernel: (1, 2, 2)), poolRef = MaxPool(kernel: (1, 2, 3))
        _ = poolRef
        let px = randomTensor([3, 2, 2, 4, 6], seed: 6)
        let py = pool.forward(px, training: true)
        XCTAssertEqual(py.shape, [3, 2, 2, 2, 3])
        for i in 0..<py.count {
            let plane = i / 6, r = (i % 6) / 3, c = i % 3
            let b = plane * 24 + 2 * r * 6 + 2 * c
            XCTAssertEqual(py[i], max(px[b], px[b + 1], px[b + 6], px[b + 7]))
        }
    }

    /// Inference's fused ReLU + 2x2 max pooling equals pooling then ReLU (with argmax), 3D and 2D, odd output widths,
    /// on one worker and two; other windows are declined.
    func testFusedReLUMaxPoolMatchesPoolThenReLU() {
        defer { Threads.configure(threads: 1) }
        for parallel in [false, true] {
            Threads.configure(threads: 2, preferBLAS: !parallel)
            for (shape, is3D) in [([2, 3, 4, 6, 22], true), ([3, 2, 10, 8], false), ([1, 1, 1, 2, 2], true)] {
                let pool = is3D ? MaxPool(kernel: (1, 2, 2)) : MaxPool(kernel2D: (2, 2))
                let reference = is3D ? MaxPool(kernel: (1, 2, 2)) : MaxPool(kernel2D: (2, 2))
                let x = randomTensor(shape, seed: UInt64(shape.reduce(0, +)))
                let expected = reference.forward(x, training: false)
                reluForward(out: expected.data, inp: expected.data, n: expected.count)
                guard let fused = pool.forwardReLUInference(x) else { return XCTFail("\(shape) declined") }
                XCTAssertEqual(fused.shape, expected.shape)
                XCTAssertEqual(fused.array, expected.array, "\(shape), parallel \(parallel)")
                XCTAssertTrue(fused.array.contains(0) && fused.array.contains { $0 > 0 } || fused.count == 1)
            }
        }
        XCTAssertNil(MaxPool(kernel: (2, 2, 2)).forwardReLUInference(randomTensor([1, 1, 2, 4, 4], seed: 1)))
        XCTAssertNil(MaxPool(kernel: (1, 2, 2)).forwardReLUInference(randomTensor([1, 1, 2, 5, 4], seed: 1)), "odd height")
    }

    func testThreadBudget() {
        let plan = Threads.configure(threads: 1)
        XCTAssertEqual(plan, .blas(1))
        XCTAssertEqual(Threads.blasThreads, 1)
        XCTAssertEqual(Threads.swiftWorkers, 1)
        let p2 = Threads.configure(threads: 64, preferBLAS: false)
        XCTAssertEqual(p2, .swiftLoops(Threads.cores))
        XCTAssertEqual(Threads.blasThreads, 1)
        Threads.configure(threads: 1)
    }
}
