import XCTest
@testable import NeuralNet

final class ConvTests: XCTestCase {
    /// The im2col + sgemm path against the direct loops, forward and backward, for several shapes.
    func testFastMatchesNaive() {
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
