// Fully connected layer (PyTorch nn.Linear layout: weight (O, I)).
import CBLAS

/// out (N, O) = inp (N, I) * weight^T (I, O) + bias (O)
public func linearForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, n: Int, i: Int, o: Int) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(o), Int32(i),
                1, inp, Int32(i), weight, Int32(i), 0, out, Int32(o))
    if let bias { for b in 0..<n { for j in 0..<o { out[b * o + j] += bias[j] } } }
}

/// Accumulates dinp (N, I) += dout * W, dweight (O, I) += dout^T * inp, dbias (O) += column sums of dout (N, O).
public func linearBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                           dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, n: Int, i: Int, o: Int) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(o), Int32(i), Int32(n),
                1, dout, Int32(o), inp, Int32(i), 1, dweight, Int32(i))
    if let dinp {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(i), Int32(o),
                    1, dout, Int32(o), weight, Int32(i), 1, dinp, Int32(i))
    }
    if let dbias { for b in 0..<n { for j in 0..<o { dbias[j] += dout[b * o + j] } } }
}
