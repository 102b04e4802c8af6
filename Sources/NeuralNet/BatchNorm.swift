// Batch normalisation over (N, C, S) where S = spatial extent (H*W for 2D, D*H*W for 3D).
// PyTorch conventions: eps 1e-5, momentum 0.1 (running = (1-m)*running + m*batch),
// normalisation with the biased batch variance, running variance updated with the unbiased one.

public struct BatchNormConfig: Sendable {
    public var eps: Float = 1e-5
    public var momentum: Float = 0.1
    public init(eps: Float = 1e-5, momentum: Float = 0.1) { self.eps = eps; self.momentum = momentum }
}

/// Training: out (N, C, S) = gamma * (inp - mean_c) * rstd_c + beta; mean, rstd (C) saved for backward;
/// runningMean, runningVar (C) updated in place.
/// Inference (training == false): uses the running statistics; mean/rstd receive them too.
public func batchnormForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                             rstd: UnsafeMutablePointer<Float>,
                             runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
                             inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                             n: Int, c: Int, s: Int, training: Bool, config: BatchNormConfig = .init()) {
    let m = n * s
    parallelChunks(c) { _, channels in for ch in channels {
        var mu: Float, r: Float
        if training {
            var sum: Double = 0
            for b in 0..<n { sum += Double(simdSum(inp + (b * c + ch) * s, s)) }
            let meanD = sum / Double(m)
            mu = Float(meanD)
            var sq: Double = 0
            for b in 0..<n { sq += Double(simdSumSquaredDiff(inp + (b * c + ch) * s, s, mu)) }
            let varB = Float(sq / Double(m))
            r = 1 / (varB + config.eps).squareRoot()
            let unbiased = m > 1 ? Float(sq / Double(m - 1)) : varB
            runningMean[ch] = (1 - config.momentum) * runningMean[ch] + config.momentum * mu
            runningVar[ch] = (1 - config.momentum) * runningVar[ch] + config.momentum * unbiased
        } else {
            mu = runningMean[ch]
            r = 1 / (runningVar[ch] + config.eps).squareRoot()
        }
        mean[ch] = mu; rstd[ch] = r
        let scale = gamma[ch] * r, shift = beta[ch] - mu * scale
        for b in 0..<n {
            let x = inp + (b * c + ch) * s, y = out + (b * c + ch) * s
            for i in 0..<s { y[i] = x[i] * scale + shift }
        }
    }}
}

/// Accumulates dinp (N, C, S), dgamma (C), dbeta (C) from dout (N, C, S).
/// training: gradient through the batch statistics; otherwise the statistics are constants.
public func batchnormBackward(dinp: UnsafeMutablePointer<Float>?, dgamma: UnsafeMutablePointer<Float>,
                              dbeta: UnsafeMutablePointer<Float>,
                              dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                              n: Int, c: Int, s: Int, training: Bool) {
    let m = Float(n * s)
    parallelChunks(c) { _, channels in for ch in channels {
        let mu = mean[ch], r = rstd[ch]
        var sumDy: Double = 0, sumDyXhat: Double = 0
        for b in 0..<n {
            let (a, bb) = simdSumAndDot(dout + (b * c + ch) * s, inp + (b * c + ch) * s, s, mu)
            sumDy += Double(a); sumDyXhat += Double(bb * r)
        }
        dbeta[ch] += Float(sumDy)
        dgamma[ch] += Float(sumDyXhat)
        guard let dinp else { continue }
        let g = gamma[ch]
        if training {
            let k = g * r / m, sd = Float(sumDy), sdx = Float(sumDyXhat)
            for b in 0..<n {
                let x = inp + (b * c + ch) * s, dy = dout + (b * c + ch) * s, dx = dinp + (b * c + ch) * s
                for i in 0..<s { dx[i] += k * (m * dy[i] - sd - (x[i] - mu) * r * sdx) }
            }
        } else {
            let k = g * r
            for b in 0..<n {
                let dy = dout + (b * c + ch) * s, dx = dinp + (b * c + ch) * s
                for i in 0..<s { dx[i] += k * dy[i] }
            }
        }
    }}
}

// Vectorised reductions (8 lanes; the lane order differs from a serial sum by rounding only).
@inline(__always)
func simdSum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0), i = 0
    while i + 8 <= n { acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
    var t = acc.sum()
    while i < n { t += x[i]; i += 1 }
    return t
}
@inline(__always)
func simdSumSquaredDiff(_ x: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> Float {
    var acc = SIMD8<Float>(repeating: 0), i = 0
    let m = SIMD8<Float>(repeating: mu)
    while i + 8 <= n { let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - m; acc += d * d; i += 8 }
    var t = acc.sum()
    while i < n { let d = x[i] - mu; t += d * d; i += 1 }
    return t
}
/// (sum dy, sum dy * (x - mu))
@inline(__always)
func simdSumAndDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, _ mu: Float) -> (Float, Float) {
    var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0), i = 0
    let m = SIMD8<Float>(repeating: mu)
    while i + 8 <= n {
        let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
        a += g; b += g * (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - m); i += 8
    }
    var ta = a.sum(), tb = b.sum()
    while i < n { ta += dy[i]; tb += dy[i] * (x[i] - mu); i += 1 }
    return (ta, tb)
}
