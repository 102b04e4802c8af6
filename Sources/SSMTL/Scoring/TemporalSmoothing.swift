import Foundation

public enum FrameScoreSmoothing {
    /// The largest σ accepted from the command line or a checkpoint: 1000 frames is over half a minute at 25 fps,
    /// far more than any useful smoothing, and the kernel (8σ + 1 weights) stays small.
    public static let maximumSigma = 1000.0
}

/// Gaussian smoothing of a video's frame scores along time, identical to SciPy's
/// `gaussian_filter1d(x, sigma, mode="reflect", truncate=4.0)`: kernel radius round(4 sigma), weights
/// normalised to sum 1, the signal mirrored at its ends (d c b a | a b c d | d c b a).
/// sigma = 0 returns the scores unchanged.
public func gaussianSmooth(_ scores: [Double], sigma: Double) -> [Double] {
    guard sigma > 0, scores.count > 1 else { return scores }
    let radius = Int(4.0 * sigma + 0.5)
    var weights = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
    let total = weights.reduce(0, +)
    weights = weights.map { $0 / total }
    let n = scores.count
    func reflected(_ i: Int) -> Double {
        // Mirror with the edge sample repeated, periodic over 2n.
        var j = i % (2 * n)
        if j < 0 { j += 2 * n }
        return scores[j < n ? j : 2 * n - 1 - j]
    }
    return (0..<n).map { i in
        var sum = 0.0
        for k in -radius...radius { sum += weights[k + radius] * reflected(i + k) }
        return sum
    }
}

/// Per-video min-max normalisation to [0, 1]; a constant video maps to all zeros.
public func minMaxNormalize(_ scores: [Double]) -> [Double] {
    guard let lo = scores.min(), let hi = scores.max(), hi > lo else { return scores.map { _ in 0 } }
    return scores.map { ($0 - lo) / (hi - lo) }
}
