/// Darknet convolution as im2col + GEMM, per group: out[m x n] = W[m x k] . col[k x n],
/// m = filters/groups, k = (c/groups)*size*size, n = outH*outW. Weights are OIHW; col rows are
/// (channel, ky, kx) in Caffe order with zero padding.
///
/// `gemm` is the seam for NeuralNet's BLAS-backed matrix product; `naiveGEMM` is the reference.
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
    static func forward(input: UnsafePointer<Float>, _ inShape: TensorShape, weights: UnsafePointer<Float>,
                        _ spec: ConvolutionalSpec, output: UnsafeMutablePointer<Float>, _ outShape: TensorShape,
                        gemm: GEMM = naiveGEMM) {
        let groups = spec.groups
        let cg = inShape.c / groups, m = spec.filters / groups
        let k = cg * spec.size * spec.size, n = outShape.h * outShape.w
        let direct = spec.size == 1 && spec.stride == 1 && spec.padding == 0
        var col = [Float](repeating: 0, count: direct ? 0 : k * n)
        col.withUnsafeMutableBufferPointer { colBuffer in
            for g in 0..<groups {
                let groupInput = input + g * cg * inShape.h * inShape.w
                let b: UnsafePointer<Float>
                if direct {
                    b = groupInput
                } else {
                    im2col(groupInput, c: cg, h: inShape.h, w: inShape.w, size: spec.size, stride: spec.stride,
                           pad: spec.padding, outH: outShape.h, outW: outShape.w, col: colBuffer.baseAddress!)
                    b = UnsafePointer(colBuffer.baseAddress!)
                }
                gemm(m, n, k, weights + g * m * k, b, output + g * m * n)
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
