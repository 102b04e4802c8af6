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
    for ch in 0..<c {
        var mu: Float, r: Float
        if training {
            var sum: Double = 0
            for b in 0..<n {
                let x = inp + (b * c + ch) * s
                var acc: Float = 0
                for i in 0..<s { acc += x[i] }
                sum += Double(acc)
            }
            let meanD = sum / Double(m)
            mu = Float(meanD)
            var sq: Double = 0
            for b in 0..<n {
                let x = inp + (b * c + ch) * s
                var acc: Float = 0
                for i in 0..<s { let d = x[i] - mu; acc += d * d }
                sq += Double(acc)
            }
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
    }
}

/// Accumulates dinp (N, C, S), dgamma (C), dbeta (C) from dout (N, C, S).
/// training: gradient through the batch statistics; otherwise the statistics are constants.
public func batchnormBackward(dinp: UnsafeMutablePointer<Float>?, dgamma: UnsafeMutablePointer<Float>,
                              dbeta: UnsafeMutablePointer<Float>,
                              dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                              n: Int, c: Int, s: Int, training: Bool) {
    let m = Float(n * s)
    for ch in 0..<c {
        let mu = mean[ch], r = rstd[ch]
        var sumDy: Double = 0, sumDyXhat: Double = 0
        for b in 0..<n {
            let x = inp + (b * c + ch) * s, dy = dout + (b * c + ch) * s
            var a: Float = 0, bb: Float = 0
            for i in 0..<s { a += dy[i]; bb += dy[i] * (x[i] - mu) * r }
            sumDy += Double(a); sumDyXhat += Double(bb)
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
    }
}
