/// The four head scores of one detected object, raw (as the network gives them).
public struct HeadScores: Sendable, Equatable {
    /// p(backward | forward sequence)
    public var arrowOfTime: Float
    /// p(irregular | consecutive sequence)
    public var motionIrregularity: Float
    /// mean |crop_i - predicted middle crop|
    public var middleBox: Float
    /// mean |teacher - student|
    public var distillation: Float

    public init(arrowOfTime: Float, motionIrregularity: Float, middleBox: Float, distillation: Float) {
        self.arrowOfTime = arrowOfTime
        self.motionIrregularity = motionIrregularity
        self.middleBox = middleBox
        self.distillation = distillation
    }

    public var values: [Float] { [arrowOfTime, motionIrregularity, middleBox, distillation] }
    public static let names = ["aot", "mi", "mb", "kd"]
}

/// Training-set mean and standard deviation of each head's score, stored in the checkpoint: a test score is
/// turned into "standard deviations above normal" so the four heads can be averaged.
public struct HeadStatistics: Sendable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == 4 && std.count == 4)
        self.mean = mean
        self.std = std
    }

    /// Per-head z-scores (a head with zero spread on training data contributes 0).
    public func standardize(_ scores: HeadScores) -> [Float] {
        zip(scores.values, zip(mean, std)).map { value, stats in stats.1 > 0 ? (value - stats.0) / stats.1 : 0 }
    }
}

/// One scored object in one frame.
public struct ScoredObject: Sendable, Equatable {
    public var frame: Int
    public var box: PixelBox
    /// Standardised head scores, in HeadScores.names order.
    public var heads: [Float]
    /// The object's anomaly score: the mean of the standardised heads in use.
    public var score: Float

    public init(frame: Int, box: PixelBox, heads: [Float], weights: [Float] = [1, 1, 1, 1]) {
        precondition(heads.count == 4 && weights.count == 4)
        self.frame = frame
        self.box = box
        self.heads = heads
        let total = weights.reduce(0, +)
        score = total > 0 ? zip(heads, weights).map { $0 * $1 }.reduce(0, +) / total : 0
    }
}
