/// One Darknet convolution prepared once for inference (`DarknetRunner`), the fast path beside the reference
/// (`Convolution.forward` + `DarknetKernels.batchNormBias` + `activate`, which the tests compare it with):
/// - batch norm folded into the weights (each filter's weights times scale / (sqrt(var) + 1e-6)) and one shift per
///   filter (bias - mean * that factor), added with the activation in a single pass over the output;
/// - the cheapest kernel the shape allows: Winograd F(2x2, 3x3) for 3x3 stride-1 "same" convolutions (2.25 times
///   fewer multiplications) on frames up to 64 x 64, with an odd height or width padded by one zero row or column and
///   the extra output row or column dropped; a GEMM straight on the input for 1x1 stride-1 ones; the dense matrix
///   of the convolution when the input plane has fewer pixels than the kernel (`Kernel.dense`); im2col + GEMM in
///   bands of rows otherwise. Rounding differs from the reference by a few float steps.
import CBLAS
import NeuralNet

final class ConvolutionPlan {
    private enum Kernel {
        case winograd(WinogradConvPlan, u: [Float])
        /// The convolution written out as the dense matrix it is, (filters * outPlane, channels * inPlane), batch norm
        /// folded in, when the input plane has fewer pixels than the kernel (a 3 x 3 convolution on a 2 x 2 plane):
        /// `forward(batch:)` multiplies the inputs by it directly. Most of an im2col column there is zero padding (a
        /// 2 x 2 output reads 4 of its 9 taps), so the dense product does fewer multiplications (4 / 9 of them for
        /// 2 x 2) and needs no im2col. A single input multiplies it too (a GEMV that reads as many floats as
        /// Winograd's transformed weights would), so such a layer keeps this matrix alone: on yolov3-tiny's layer 12
        /// at a 64 x 64 crop, 34 MB instead of 34 MB plus 19 MB of folded weights plus 34 MB of Winograd weights.
        case dense(matrix: [Float])
        case pointwise
        case im2col
    }

    let spec: ConvolutionalSpec
    let inShape: TensorShape, outShape: TensorShape
    /// (filters, channels / groups, size, size), batch norm folded in; empty when the kernel is `dense`.
    private let weights: [Float]
    /// (filters): the bias, or the folded batch norm's shift.
    private let shift: [Float]
    private let kernel: Kernel

    /// Floats of an im2col band (see `im2colInBands`).
    let bandFloats: Int
    /// Floats of the column matrix `forward(batch:)` builds at most (16 MB by default); more inputs run in chunks.
    let batchColumnFloats: Int

    init(spec: ConvolutionalSpec, input: TensorShape, output: TensorShape, weights w: LayerWeights, bandFloats: Int = 64 * 1024,
         batchColumnFloats: Int = 4 << 20) {
        self.spec = spec
        self.bandFloats = bandFloats
        self.batchColumnFloats = batchColumnFloats
        inShape = input
        outShape = output
        let filters = spec.filters, perFilter = w.weights.count / max(filters, 1)
        var folded = w.weights
        var shift = w.biases
        if !w.scales.isEmpty {
            for f in 0..<filters {
                let factor = w.scales[f] / (w.rollingVariance[f].squareRoot() + DarknetKernels.batchNormEpsilon)
                for i in f * perFilter..<(f + 1) * perFilter { folded[i] *= factor }
                shift[f] = w.biases[f] - w.rollingMean[f] * factor
            }
        }
        self.shift = shift
        let inPlane = input.h * input.w
        if Self.batchesWell(spec: spec, output: output), inPlane < spec.size * spec.size {
            weights = []
            kernel = .dense(matrix: Self.denseMatrix(folded, spec: spec, input: input, output: output))
            return
        }
        weights = folded
        if spec.groups == 1, spec.size == 3, spec.stride == 1, spec.padding == 1,
           (input.h + 1) / 2 * ((input.w + 1) / 2) <= Self.winogradMaxTiles, let plan = WinogradConvPlan(Self.winogradShape(spec: spec, input: input)) {
            var u = [Float](repeating: 0, count: plan.weightSize)
            u.withUnsafeMutableBufferPointer { ub in
                folded.withUnsafeBufferPointer { winogradTransformWeight(ub.baseAddress!, $0.baseAddress!, plan) }
            }
            kernel = .winograd(plan, u: u)
        } else if spec.groups == 1, spec.size == 1, spec.stride == 1, spec.padding == 0 {
            kernel = .pointwise
        } else {
            kernel = .im2col
        }
    }

    /// The Winograd shape: the input's height and width rounded up to even (the kernel works on 2x2 output blocks).
    private static func winogradShape(spec: ConvolutionalSpec, input: TensorShape) -> ConvShape {
        ConvShape(n: 1, c: input.c, d: 1, h: input.h + input.h % 2, w: input.w + input.w % 2, o: spec.filters,
                  kernel: (1, 3, 3), stride: (1, 1, 1), padding: (0, 1, 1))
    }

    /// Which kernel runs (`DarknetRunner.convolutionKernels`, checked by the tests).
    var kernelName: String {
        switch kernel {
        case .winograd: return "winograd"
        case .dense: return "dense"
        case .pointwise: return "gemm"
        case .im2col: return "im2col"
        }
    }

    // input: (c, h, w); output: (filters, outH, outW), written.
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let plane = outShape.h * outShape.w
        switch kernel {
        case let .winograd(plan, u):
            var work = [Float](repeating: 0, count: plan.workspaceSize)
            let s = plan.s
            u.withUnsafeBufferPointer { ub in
                work.withUnsafeMutableBufferPointer { wb in
                    if s.h == inShape.h && s.w == inShape.w {
                        convWinogradForward(out: output, work: wb.baseAddress!, inp: input, u: ub.baseAddress!, bias: nil, plan)
                        return
                    }
                    // Odd sizes: the input in an even frame whose extra row/column is 0 (what the "same" padding
                    // would read there anyway), then the valid part of the output copied out.
                    var padded = [Float](repeating: 0, count: s.c * s.h * s.w)
                    var full = [Float](repeating: 0, count: s.o * s.h * s.w)
                    for c in 0..<s.c {
                        for y in 0..<inShape.h {
                            let src = input + (c * inShape.h + y) * inShape.w
                            padded.withUnsafeMutableBufferPointer { ($0.baseAddress! + (c * s.h + y) * s.w).update(from: src, count: inShape.w) }
                        }
                    }
                    padded.withUnsafeBufferPointer { pb in
                        full.withUnsafeMutableBufferPointer { fb in
                            convWinogradForward(out: fb.baseAddress!, work: wb.baseAddress!, inp: pb.baseAddress!, u: ub.baseAddress!, bias: nil, plan)
                        }
                    }
                    full.withUnsafeBufferPointer { fb in
                        for o in 0..<s.o {
                            for y in 0..<outShape.h {
                                (output + (o * outShape.h + y) * outShape.w).update(from: fb.baseAddress! + (o * s.h + y) * s.w, count: outShape.w)
                            }
                        }
                    }
                }
            }
        case let .dense(matrix):
            // out (filters * outPlane) = D (filters * outPlane, c * inPlane) . x (c * inPlane)
            matrix.withUnsafeBufferPointer { db in
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(outShape.count), Int32(inShape.count), 1, db.baseAddress!,
                            Int32(inShape.count), input, 1, 0, output, 1)
            }
        case .pointwise:
            // out (filters, h*w) = W (filters, c) . x (c, h*w)
            weights.withUnsafeBufferPointer { wb in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(spec.filters), Int32(plane), Int32(inShape.c),
                            1, wb.baseAddress!, Int32(inShape.c), input, Int32(plane), 0, output, Int32(plane))
            }
        case .im2col where spec.groups == 1:
            im2colInBands(input: input, output: output)
        case .im2col:
            weights.withUnsafeBufferPointer { Convolution.forward(input: input, inShape, weights: $0.baseAddress!, spec, output: output, outShape) }
        }
        epilogue(output, plane: plane)
    }

    /// The largest frame Winograd takes, in 2x2 tiles (64 x 64 pixels): its buffers hold 16 values per tile and
    /// channel, and beyond this they fall out of the cache and im2col in bands is faster (yolov3-tiny at 416 x 416,
    /// one thread: 11.8 frames/s with this limit, 7.7 without, 7.9 with im2col everywhere).
    static let winogradMaxTiles = 1024

    /// im2col + GEMM a band of output rows at a time (a band's columns: `bandFloats`, about 256 kB, so they stay in a
    /// core's L2 cache): the column matrix of a whole 416 x 416 frame is tens of megabytes, and building it then
    /// reading it back from memory cost more than the multiplications.
    private func im2colInBands(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let k = inShape.c * spec.size * spec.size, outW = outShape.w, plane = outShape.h * outW
        // At least 512 columns a band, or the GEMM is too thin to run at speed.
        let rows = min(outShape.h, max(bandFloats / max(k * outW, 1), (512 + outW - 1) / outW, 1))
        var col = [Float](repeating: 0, count: k * rows * outW)
        col.withUnsafeMutableBufferPointer { cb in
            weights.withUnsafeBufferPointer { wb in
                var r0 = 0
                while r0 < outShape.h {
                    let r1 = min(r0 + rows, outShape.h), n = (r1 - r0) * outW
                    Convolution.im2colRows(input, c: inShape.c, h: inShape.h, w: inShape.w, size: spec.size, stride: spec.stride,
                                           pad: spec.padding, outRows: r0..<r1, outW: outW, col: cb.baseAddress!)
                    // out[:, r0*outW ..< r1*outW] (filters x n, row stride plane) = W (filters x k) . col (k x n)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(spec.filters), Int32(n), Int32(k),
                                1, wb.baseAddress!, Int32(k), cb.baseAddress!, Int32(n), 0, output + r0 * outW, Int32(plane))
                    r0 = r1
                }
            }
        }
    }

    /// Output planes smaller than this (in pixels, below 8 x 8) run batched in `DarknetRunner.forward(batch:)`: per
    /// input, their GEMM does a few multiplications per weight read (yolov3-tiny's layer 12 on a 64 x 64 crop: 18.9 MB
    /// of weights for a 2 x 2 plane), so reading the weights dominates. Larger planes keep their per-input Winograd,
    /// which does 2.25 times fewer multiplications than the batched im2col (`ssmtl bench darknet`: 256 made
    /// yolov3-tiny at 416 x 416 slower, its 13 x 13 layers being bound by arithmetic, not by weight reads).
    static let batchedPlaneLimit = 64

    /// Whether `forward(batch:)` pays off: a small output plane, one group (grouped convolutions run per input).
    var batchesWell: Bool { Self.batchesWell(spec: spec, output: outShape) }
    static func batchesWell(spec: ConvolutionalSpec, output: TensorShape) -> Bool {
        spec.groups == 1 && output.h * output.w < batchedPlaneLimit
    }

    /// Which kernel `forward(batch:)` runs: "dense" or "im2col" (checked by the tests).
    var batchedKernelName: String {
        if case .dense = kernel { return "dense" }
        return "im2col"
    }

    /// D (filters * outPlane, c * inPlane) with out[f, oy, ox] = sum over c, iy, ix of D[(f, oy, ox), (c, iy, ix)] *
    /// x[c, iy, ix]: each weight W[f, c, ky, kx] lands where iy = oy * stride - pad + ky, ix = ox * stride - pad + kx
    /// falls inside the input; taps that read the padding have no column.
    static func denseMatrix(_ w: [Float], spec: ConvolutionalSpec, input: TensorShape, output: TensorShape) -> [Float] {
        let (c, k) = (input.c, spec.size), inPlane = input.h * input.w, outPlane = output.h * output.w
        let columns = c * inPlane
        var d = [Float](repeating: 0, count: spec.filters * outPlane * columns)
        for f in 0..<spec.filters {
            for oy in 0..<output.h {
                for ox in 0..<output.w {
                    let row = (f * outPlane + oy * output.w + ox) * columns
                    for ky in 0..<k {
                        let iy = oy * spec.stride - spec.padding + ky
                        guard iy >= 0 && iy < input.h else { continue }
                        for kx in 0..<k {
                            let ix = ox * spec.stride - spec.padding + kx
                            guard ix >= 0 && ix < input.w else { continue }
                            for ch in 0..<c { d[row + ch * inPlane + iy * input.w + ix] = w[((f * c + ch) * k + ky) * k + kx] }
                        }
                    }
                }
            }
        }
        return d
    }

    /// `forward(batch:)` by the dense matrix: out (count, filters * outPlane) = X (count, c * inPlane) . D^T, the
    /// inputs being the rows of X as they are (CHW), each output row an output in CHW.
    private func denseForward(batch inputs: [[Float]], matrix: [Float]) -> [[Float]] {
        let k = inShape.count, m = outShape.count, count = inputs.count
        var x = [Float](repeating: 0, count: count * k)
        x.withUnsafeMutableBufferPointer { xb in
            for (i, input) in inputs.enumerated() {
                input.withUnsafeBufferPointer { (xb.baseAddress! + i * k).update(from: $0.baseAddress!, count: k) }
            }
        }
        var product = [Float](repeating: 0, count: count * m)
        x.withUnsafeBufferPointer { xb in
            matrix.withUnsafeBufferPointer { db in
                product.withUnsafeMutableBufferPointer { pb in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(m), Int32(k),
                                1, xb.baseAddress!, Int32(k), db.baseAddress!, Int32(k), 0, pb.baseAddress!, Int32(m))
                }
            }
        }
        return (0..<count).map { i in
            var out = Array(product[(i * m)..<((i + 1) * m)])
            out.withUnsafeMutableBufferPointer { epilogue($0.baseAddress!, plane: outShape.h * outShape.w) }
            return out
        }
    }

    // inputs: each (c, h, w); returns each (filters, outH, outW). One im2col + GEMM over all inputs' columns side
    // by side (col: (c*size*size, count*outH*outW), image i's columns at i*outH*outW), so the weights are read once
    // per chunk instead of once per input. Same sums as `forward(input:output:)`'s im2col path; rounding may differ
    // from its Winograd path by a few float steps.
    func forward(batch inputs: [[Float]]) -> [[Float]] {
        if case let .dense(matrix) = kernel { return denseForward(batch: inputs, matrix: matrix) }
        let k = inShape.c * spec.size * spec.size, plane = outShape.h * outShape.w, filters = spec.filters
        let chunk = max(1, min(inputs.count, batchColumnFloats / max(k * plane, 1)))
        var col = [Float](repeating: 0, count: k * chunk * plane)
        var product = [Float](repeating: 0, count: filters * chunk * plane)
        var results: [[Float]] = []
        results.reserveCapacity(inputs.count)
        var start = 0
        while start < inputs.count {
            let count = min(chunk, inputs.count - start), columns = count * plane
            col.withUnsafeMutableBufferPointer { cb in
                for i in 0..<count {
                    inputs[start + i].withUnsafeBufferPointer { xb in
                        Convolution.im2colRows(xb.baseAddress!, c: inShape.c, h: inShape.h, w: inShape.w, size: spec.size,
                                               stride: spec.stride, pad: spec.padding, outRows: 0..<outShape.h, outW: outShape.w,
                                               col: cb.baseAddress! + i * plane, rowStride: columns)
                    }
                }
                weights.withUnsafeBufferPointer { wb in
                    product.withUnsafeMutableBufferPointer { pb in
                        // product (filters, columns) = W (filters, k) . col (k, columns)
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(filters), Int32(columns), Int32(k),
                                    1, wb.baseAddress!, Int32(k), cb.baseAddress!, Int32(columns), 0, pb.baseAddress!, Int32(columns))
                    }
                }
            }
            for i in 0..<count {
                var out = [Float](repeating: 0, count: filters * plane)
                out.withUnsafeMutableBufferPointer { ob in
                    product.withUnsafeBufferPointer { pb in
                        for f in 0..<filters {
                            (ob.baseAddress! + f * plane).update(from: pb.baseAddress! + f * columns + i * plane, count: plane)
                        }
                    }
                    epilogue(ob.baseAddress!, plane: plane)
                }
                results.append(out)
            }
            start += count
        }
        return results
    }

    /// out = activation(out + shift) per filter, one pass.
    private func epilogue(_ out: UnsafeMutablePointer<Float>, plane: Int) {
        for f in 0..<spec.filters {
            let row = out + f * plane, b = shift[f]
            switch spec.activation {
            case .leaky:
                for i in 0..<plane { let v = row[i] + b; row[i] = v < 0 ? 0.1 * v : v }
            case .linear:
                for i in 0..<plane { row[i] += b }
            default:
                for i in 0..<plane { row[i] += b }
                DarknetKernels.activate(row, count: plane, spec.activation)
            }
        }
    }
}
