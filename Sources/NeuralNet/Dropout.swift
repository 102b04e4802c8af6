// Inverted dropout: at training, each element is kept with probability 1-p and scaled by 1/(1-p).

/// mask (n) filled from rng (0 or 1/(1-p)); out (n) = inp * mask.
public func dropoutForward(out: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
                           inp: UnsafePointer<Float>, n: Int, p: Float, rng: inout RNG) {
    let keep = 1 / (1 - p)
    for i in 0..<n {
        mask[i] = rng.uniform() < p ? 0 : keep
        out[i] = inp[i] * mask[i]
    }
}
/// dinp (n) += dout * mask
public func dropoutBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                            mask: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { dinp[i] += dout[i] * mask[i] }
}
