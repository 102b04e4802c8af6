// Element-wise activations over n floats. Backward uses the forward output where possible.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// out (n) = max(inp, 0)
public func reluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    parallelChunks(n) { _, r in for i in r { out[i] = max(inp[i], 0) } }
}
/// dinp (n) += dout * [out > 0]
public func reluBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out: UnsafePointer<Float>, n: Int) {
    parallelChunks(n) { _, r in for i in r { dinp[i] += out[i] > 0 ? dout[i] : 0 } }
}
/// grad (n) = grad * [out > 0], overwriting the incoming gradient (in-place ReLU).
public func reluBackwardInPlace(grad: UnsafeMutablePointer<Float>, out: UnsafePointer<Float>, n: Int) {
    parallelChunks(n) { _, r in
        // Eight lanes at a time with a mask (the scalar form compiles to a branch per element).
        var i = r.lowerBound
        let zero = SIMD8<Float>(repeating: 0)
        while i + 8 <= r.upperBound {
            let o = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
            let g = UnsafeRawPointer(grad + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(grad + i).storeBytes(of: g.replacing(with: zero, where: .!(o .> zero)), as: SIMD8<Float>.self)
            i += 8
        }
        while i < r.upperBound { if !(out[i] > 0) { grad[i] = 0 }; i += 1 }
    }
}

/// out (n) = inp > 0 ? inp : slope * inp   (Darknet "leaky": slope 0.1)
public func leakyReluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int, slope: Float = 0.1) {
    for i in 0..<n { out[i] = inp[i] > 0 ? inp[i] : slope * inp[i] }
}
/// dinp (n) += dout * (inp > 0 ? 1 : slope)
public func leakyReluBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                              n: Int, slope: Float = 0.1) {
    for i in 0..<n { dinp[i] += inp[i] > 0 ? dout[i] : slope * dout[i] }
}

/// out (n) = 1 / (1 + exp(-inp))
public func sigmoidForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    parallelChunks(n) { _, r in for i in r { out[i] = 1 / (1 + expf(-inp[i])) } }
}
/// dinp (n) += dout * out * (1 - out)
public func sigmoidBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out: UnsafePointer<Float>, n: Int) {
    parallelChunks(n) { _, r in for i in r { dinp[i] += dout[i] * out[i] * (1 - out[i]) } }
}
