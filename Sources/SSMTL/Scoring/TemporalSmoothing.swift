import Foundation

public enum FrameScoreSmoothing {
    /// The largest σ accepted from the command line or a checkpoint: 1000 frames is over half a minute at 25 fps,
    /// far more than any useful smoothing, and the kernel (8σ + 1 weights) stays small.
    public static let maximumSigma = 1000.0
    /// How far, in frames, a smoothed score may reach beyond the raw scores: the temporal radius of an object's
    /// sequence (frames i-3...i+3), whose scores already mix those frames (docs/experiments.md, step 44).
    public static let reach = 3
}

/// A video's frame scores smoothed along time: the Gaussian of σ (`gaussianSmooth`) clamped, frame by frame, to the
/// range of the raw scores within `reach` frames (the window mirrored at the ends as the Gaussian's). The Gaussian
/// averages away brief spikes of normal frames, but it also carries a strong anomaly's score about 2σ frames into
/// the normal frames around it and pulls the event's own first and last frames down; clamped, no score reaches
/// further than `reach` frames either way, and a spike is still averaged (the Gaussian lies inside the range there).
/// sigma = 0 returns the scores unchanged.
public func smoothFrameScores(_ scores: [Double], sigma: Double, reach: Int = FrameScoreSmoothing.reach) -> [Double] {
    let smoothed = gaussianSmooth(scores, sigma: sigma)
    guard sigma > 0, scores.count > 1, reach > 0 else { return smoothed }
    let n = scores.count
    return (0..<n).map { i in
        var low = scores[i], high = scores[i]
        for k in 1...reach {
            let before = scores[reflectedIndex(i - k, count: n)], after = scores[reflectedIndex(i + k, count: n)]
            low = min(low, before, after); high = max(high, before, after)
        }
        return min(max(smoothed[i], low), high)
    }
}

/// Index i of a signal of `count` samples mirrored with the edge sample repeated (d c b a | a b c d | d c b a),
/// periodic over 2 * count: SciPy's mode "reflect".
func reflectedIndex(_ i: Int, count n: Int) -> Int {
    var j = i % (2 * n)
    if j < 0 { j += 2 * n }
    return j < n ? j : 2 * n - 1 - j
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
    return (0..<n).map { i in
        var sum = 0.0
        for k in -radius...radius { sum += weights[k + radius] * scores[reflectedIndex(i + k, count: n)] }
        return sum
    }
}

/// Per-video min-max normalisation to [0, 1]; a constant video maps to all zeros.
public func minMaxNormalize(_ scores: [Double]) -> [Double] {
    guard let lo = scores.min(), let hi = scores.max(), hi > lo else { return scores.map { _ in 0 } }
    return scores.map { ($0 - lo) / (hi - lo) }
}
