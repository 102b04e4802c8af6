/// The scores of one detected object, raw (as the network and the appearance bank give them).
public struct HeadScores: Sendable, Equatable {
    /// p(backward | forward sequence)
    public var arrowOfTime: Float
    /// p(irregular | consecutive sequence)
    public var motionIrregularity: Float
    /// mean |crop_i - predicted middle crop|
    public var middleBox: Float
    /// mean |teacher - student|
    public var distillation: Float
    /// Distance of the object's appearance features to the nearest training object's (0 without a bank).
    public var appearance: Float
    /// 1 - mean p(each jigsaw cell is where it belongs) on the unshuffled sequence (0 without the jigsaw head).
    public var jigsaw: Float

    public init(arrowOfTime: Float, motionIrregularity: Float, middleBox: Float, distillation: Float, appearance: Float = 0,
                jigsaw: Float = 0) {
        self.arrowOfTime = arrowOfTime
        self.motionIrregularity = motionIrregularity
        self.middleBox = middleBox
        self.distillation = distillation
        self.appearance = appearance
        self.jigsaw = jigsaw
    }

    /// From the scores in `names` order.
    public init(values v: [Float]) {
        precondition(v.count == HeadScores.names.count)
        self.init(arrowOfTime: v[0], motionIrregularity: v[1], middleBox: v[2], distillation: v[3], appearance: v[4], jigsaw: v[5])
    }

    public var values: [Float] { [arrowOfTime, motionIrregularity, middleBox, distillation, appearance, jigsaw] }
    public static let names = ["aot", "mi", "mb", "kd", "app", "jig"]
    /// Index of the appearance score in `values` (the one score not measured by the network heads).
    public static let appearanceIndex = 4
}

/// The normal objects' statistics of each score, stored in the checkpoint: they put the scores on one scale so they
/// can be averaged. With the z calibration a test score becomes "standard deviations above normal"; with the tail
/// calibration (`tails`), "how rare among normal objects" (`ScoreTail`).
public struct HeadStatistics: Sendable, Equatable {
    /// In HeadScores.names order.
    public var mean: [Float]
    public var std: [Float]
    /// One per score (HeadScores.names order) with the tail calibration; nil with the z calibration.
    public var tails: [ScoreTail]?

    /// Four values (the network heads; checkpoints written before the appearance score), five (before the jigsaw
    /// head) or six. A missing score gets mean 0 and std 0 (and an absent tail): it is then left out of the object
    /// score. `tails`, when given, has as many entries as `mean`.
    public init(mean: [Float], std: [Float], tails: [ScoreTail]? = nil) {
        precondition(mean.count == std.count && (4...HeadScores.names.count).contains(mean.count))
        precondition(tails == nil || tails!.count == mean.count)
        let missing = HeadScores.names.count - mean.count
        self.mean = mean + [Float](repeating: 0, count: missing)
        self.std = std + [Float](repeating: 0, count: missing)
        self.tails = tails.map { $0 + [ScoreTail](repeating: .absent, count: missing) }
    }

    public var calibration: ScoreCalibration { tails == nil ? .z : .tail }

    /// Each score on the common scale: its z-score (0 for a score with zero spread on training data), or with tails
    /// its calibrated tail value -ln(1 - F(s)).
    public func standardize(_ scores: HeadScores) -> [Float] {
        if let tails { return zip(scores.values, tails).map { $1.calibrate($0) } }
        return zip(scores.values, zip(mean, std)).map { value, stats in stats.1 > 0 ? (value - stats.0) / stats.1 : 0 }
    }

    /// Statistics that leave the scores as they are (mean 0, spread 1) and average the scores `weights` names: for
    /// scores that arrive standardised already (an ensemble's).
    public static func identity(weights: [Float]) -> HeadStatistics {
        HeadStatistics(mean: weights.map { _ in 0 }, std: weights)
    }

    /// Which scores the object score averages. z: the four heads always; the appearance and jigsaw scores when the
    /// model has them (a spread measured on normal objects). tail: every score whose normal tail has a spread.
    public var weights: [Float] {
        if let tails { return tails.map { $0.isUsable ? 1 : 0 } }
        return [1, 1, 1, 1, std[4] > 0 ? 1 : 0, std[5] > 0 ? 1 : 0]
    }
}

/// One scored object in one frame.
public struct ScoredObject: Sendable, Equatable {
    public var frame: Int
    public var box: PixelBox
    /// Standardised scores, in HeadScores.names order.
    public var heads: [Float]
    /// The object's anomaly score: the weighted mean of the standardised scores.
    public var score: Float

    /// `weights`: one per head (nil = all 1).
    public init(frame: Int, box: PixelBox, heads: [Float], weights: [Float]? = nil) {
        let weights = weights ?? Array(repeating: 1, count: heads.count)
        precondition(heads.count == weights.count)
        self.frame = frame
        self.box = box
        self.heads = heads
        let total = weights.reduce(0, +)
        score = total > 0 ? zip(heads, weights).map { $0 * $1 }.reduce(0, +) / total : 0
    }
}
