/// Darknet convolution as im2col + GEMM, per group: out[m x n] = W[m x k] . col[k x n],
/// m = filters/groups, k = (c/groups)*size*size, n = outH*outW. Weights are OIHW; col rows are
/// (channel, ky, kx) in Caffe order with zero padding.
///
/// The product is NeuralNet's `convForward` (vol2col + cblas_sgemm); `naiveGEMM` + `im2col` here are the
/// reference the tests compare it with.
import NeuralNet

enum Convolution {
    /// C[m x n] = A[m x k] . B[k x n] (row-major, C overwritten).
    typealias GEMM = (_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) -> Void

    static func naiveGEMM(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        c.update(repeating: 0, count: m * n)
        for i in 0..<m {
            let row = c + i * n
            for p in 0..<k {
                let value = a[i * k + p]
                if value == 0 { continue }
                let bRow = b + p * n
                for j in 0..<n { row[j] += value * bRow[j] }
            }
        }
    }

    // input: (c, h, w); weights: (filters, c/groups, size, size); output: (filters, outH, outW), written.
    // Each group is one NeuralNet conv (im2col + cblas_sgemm) on its slice of channels and filters.
    static func forward(input: UnsafePointer<Float>, _ inShape: TensorShape, weights: UnsafePointer<Float>,
                        _ spec: ConvolutionalSpec, output: UnsafeMutablePointer<Float>, _ outShape: TensorShape) {
        let groups = spec.groups
        let cg = inShape.c / groups, m = spec.filters / groups
        let shape = ConvShape(n: 1, c: cg, h: inShape.h, w: inShape.w, o: m, kernel: (spec.size, spec.size),
                              stride: (spec.stride, spec.stride), padding: (spec.padding, spec.padding))
        var col = [Float](repeating: 0, count: shape.k * shape.p)
        col.withUnsafeMutableBufferPointer { colBuffer in
            for g in 0..<groups {
                convForward(out: output + g * m * shape.p, col: colBuffer.baseAddress!,
                            inp: input + g * cg * inShape.h * inShape.w, weight: weights + g * m * shape.k, bias: nil, shape)
            }
        }
    }

    /// Fully connected: out[n] = W[n x inputs] . x[inputs], as a 1x1 NeuralNet convolution on a 1x1 image.
    static func connected(input: UnsafePointer<Float>, inputs: Int, weights: UnsafePointer<Float>, outputs: Int,
                          output: UnsafeMutablePointer<Float>) {
        let shape = ConvShape(n: 1, c: inputs, h: 1, w: 1, o: outputs, kernel: (1, 1))
        var col = [Float](repeating: 0, count: shape.k * shape.p)
        col.withUnsafeMutableBufferPointer {
            convForward(out: output, col: $0.baseAddress!, inp: input, weight: weights, bias: nil, shape)
        }
    }

    // col: (c*size*size, rows*outW) for the output rows `outRows` (rows = outRows.count), each row `rowStride` floats
    // apart (default rows*outW; wider when several images' columns sit side by side, `ConvolutionPlan.forward(batch:)`).
    static func im2colRows(_ x: UnsafePointer<Float>, c: Int, h: Int, w: Int, size: Int, stride: Int, pad: Int,
                           outRows: Range<Int>, outW: Int, col: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
        let n = rowStride ?? outRows.count * outW
        for ch in 0..<c {
            for ky in 0..<size {
                for kx in 0..<size {
                    let row = col + ((ch * size + ky) * size + kx) * n
                    // The output columns whose tap x = ox * stride + kx - pad falls inside the image.
                    let first = max(0, (pad - kx + stride - 1) / stride)
                    let last = min(outW, (w - 1 + pad - kx) / stride + 1)
                    for (i, oy) in outRows.enumerated() {
                        let y = oy * stride + ky - pad
                        let dst = row + i * outW
                        guard y >= 0, y < h, first < last else { dst.update(repeating: 0, count: outW); continue }
                        let src = x + (ch * h + y) * w + kx - pad
                        if first > 0 { dst.update(repeating: 0, count: first) }
                        if stride == 1 {
                            (dst + first).update(from: src + first, count: last - first)
                        } else {
                            for ox in first..<last { dst[ox] = src[ox * stride] }
                        }
                        if last < outW { (dst + last).update(repeating: 0, count: outW - last) }
                    }
                }
            }
        }
    }

    // col: (c*size*size, outH*outW)
    static func im2col(_ x: UnsafePointer<Float>, c: Int, h: Int, w: Int, size: Int, stride: Int, pad: Int,
                       outH: Int, outW: Int, col: UnsafeMutablePointer<Float>) {
        let n = outH * outW
        for ch in 0..<c {
            for ky in 0..<size {
                for kx in 0..<size {
                    let row = col + ((ch * size + ky) * size + kx) * n
                    for oy in 0..<outH {
                        let y = oy * stride + ky - pad
                        let dst = row + oy * outW
                        guard y >= 0, y < h else { dst.update(repeating: 0, count: outW); continue }
                        let src = x + (ch * h + y) * w
                        for ox in 0..<outW {
                            let xx = ox * stride + kx - pad
                            dst[ox] = (xx >= 0 && xx < w) ? src[xx] : 0
                        }
                    }
                }
            }
        }
    }
}
