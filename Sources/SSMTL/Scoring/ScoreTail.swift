import Foundation

/// How the scores are put on one scale before they are averaged into the object score (`train --calibration`).
public enum ScoreCalibration: String, CaseIterable, Sendable {
    /// (s - mean) / std over the normal objects.
    case z
    /// -ln(1 - F(s)) under the normal objects' distribution F of the score (`ScoreTail`): the mean over the scores
    /// is then Fisher's combination of their tail probabilities.
    case tail
}

/// The normal distribution of one score, for its tail calibration: the sample quantiles at probabilities
/// 0, 0.01, ..., 0.95 and the mean excess of the values above the 0.95 quantile.
///
/// c(s) = -ln(1 - F(s)). Below the first knot F = 0; between knots F is linear; above the 0.95 knot the tail is
/// exponential, 1 - F = 0.05 exp(-(s - q95) / e), so c = ln 20 + (s - q95) / e. Under the normal objects c is about
/// Exp(1) whatever the score's own distribution, so a score whose normal values have a long tail no longer spikes
/// above the others on normal objects.
public struct ScoreTail: Sendable, Equatable {
    public static let knotCount = 96
    static func probability(ofKnot k: Int) -> Double { Double(k) / 100 }
    /// The share of normal values above the last knot (5%), where the exponential tail takes over.
    public static var tailShare: Double { 1 - probability(ofKnot: knotCount - 1) }

    /// Non-decreasing, `knotCount` values.
    public let knots: [Float]
    /// Mean of (s - q95) over the normal values s above the last knot; 0 when the tail has no spread, and the
    /// score is then left out of the object score.
    public let meanExcess: Float

    /// A score that is left out (a model without it).
    public static let absent = ScoreTail(uncheckedKnots: [Float](repeating: 0, count: knotCount), meanExcess: 0)

    /// Used by the object score: the tail has a spread.
    public var isUsable: Bool { meanExcess > 0 }

    private init(uncheckedKnots: [Float], meanExcess: Float) {
        knots = uncheckedKnots
        self.meanExcess = meanExcess
    }

    /// Stored values: nil unless there are `knotCount` finite non-decreasing knots and a finite mean excess >= 0.
    public init?(knots: [Float], meanExcess: Float) {
        guard knots.count == Self.knotCount, knots.allSatisfy({ $0.isFinite }), meanExcess.isFinite, meanExcess >= 0,
              zip(knots, knots.dropFirst()).allSatisfy({ $0 <= $1 }) else { return nil }
        self.init(uncheckedKnots: knots, meanExcess: meanExcess)
    }

    /// Fewest normal values a usable tail is measured on: five above the 95% knot.
    public static let minimumSample = 100

    /// Measured on a sample of normal values (`absent` with fewer than two). The knots are linearly interpolated
    /// order statistics (the usual "type 7" sample quantile: position p (n - 1) in the sorted sample).
    public init(sample: [Float]) {
        let sorted = sample.filter { $0.isFinite }.sorted()
        guard sorted.count >= 2 else { self = .absent; return }
        func quantile(_ p: Double) -> Float {
            let position = p * Double(sorted.count - 1)
            let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
            let t = position - Double(below)
            return Float(Double(sorted[below]) * (1 - t) + Double(sorted[above]) * t)
        }
        let knots = (0..<Self.knotCount).map { quantile(Self.probability(ofKnot: $0)) }
        let top = knots[Self.knotCount - 1]
        let excesses = sorted.filter { $0 > top }.map { Double($0 - top) }
        let excess = excesses.isEmpty ? 0 : excesses.reduce(0, +) / Double(excesses.count)
        self.init(uncheckedKnots: knots, meanExcess: Float(excess))
    }

    /// -ln(1 - F(s)) (0 for an absent score; NaN for NaN, so a broken score stays visible as with the z-score).
    public func calibrate(_ s: Float) -> Float {
        guard isUsable else { return 0 }
        if s.isNaN { return .nan }
        let last = Self.knotCount - 1
        let top = knots[last]
        if s > top {
            return Float(-log(Self.tailShare)) + (s - top) / meanExcess
        }
        // The last knot at or below s (ties take the highest probability); F = 0 below the first.
        guard s >= knots[0] else { return 0 }
        var low = 0, high = last  // knots[low] <= s, and s < knots[high] or knots[high] == top == s
        while high - low > 1 {
            let middle = (low + high) / 2
            if knots[middle] <= s { low = middle } else { high = middle }
        }
        if knots[high] <= s { low = high }
        var F = Self.probability(ofKnot: low)
        if low < last, knots[low + 1] > knots[low] {
            let t = Double(s - knots[low]) / Double(knots[low + 1] - knots[low])
            F += t * (Self.probability(ofKnot: low + 1) - Self.probability(ofKnot: low))
        }
        return Float(-log(1 - F))
    }
}
