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

    public init(arrowOfTime: Float, motionIrregularity: Float, middleBox: Float, distillation: Float, appearance: Float = 0) {
        self.arrowOfTime = arrowOfTime
        self.motionIrregularity = motionIrregularity
        self.middleBox = middleBox
        self.distillation = distillation
        self.appearance = appearance
    }

    /// From the scores in `names` order.
    public init(values v: [Float]) {
        precondition(v.count == HeadScores.names.count)
        self.init(arrowOfTime: v[0], motionIrregularity: v[1], middleBox: v[2], distillation: v[3], appearance: v[4])
    }

    public var values: [Float] { [arrowOfTime, motionIrregularity, middleBox, distillation, appearance] }
    public static let names = ["aot", "mi", "mb", "kd", "app"]
    /// Index of the appearance score in `values` (the one score not measured by the network heads).
    public static let appearanceIndex = 4
}

/// The normal objects' mean and standard deviation of each score, stored in the checkpoint: a test score becomes
/// "standard deviations above normal", which puts the five scores on one scale so they can be compared.
public struct HeadStatistics: Sendable, Equatable {
    /// In HeadScores.names order.
    public var mean: [Float]
    public var std: [Float]

    /// Four values (the network heads: a model without the appearance score) or five. A missing score gets mean 0
    /// and std 0: it is then left out of the object score.
    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count && (4...HeadScores.names.count).contains(mean.count))
        let missing = HeadScores.names.count - mean.count
        self.mean = mean + [Float](repeating: 0, count: missing)
        self.std = std + [Float](repeating: 0, count: missing)
    }

    /// Statistics that leave every score as it is (mean 0, std 1): training's statistics pass sees raw scores.
    public static let raw = HeadStatistics(mean: HeadScores.names.map { _ in 0 }, std: HeadScores.names.map { _ in 1 })

    /// Each score's z-score (0 for a score with zero spread on training data).
    public func standardize(_ scores: HeadScores) -> [Float] {
        zip(scores.values, zip(mean, std)).map { value, stats in stats.1 > 0 ? (value - stats.0) / stats.1 : 0 }
    }

    /// Which scores the object score takes: the four heads always, the appearance score when the model has one
    /// (a spread measured on normal objects).
    public var weights: [Float] { [1, 1, 1, 1, std[4] > 0 ? 1 : 0] }
}

/// One scored object in one frame.
public struct ScoredObject: Sendable, Equatable {
    public var frame: Int
    public var box: PixelBox
    /// Standardised scores, in HeadScores.names order.
    public var heads: [Float]
    /// The object's anomaly score: the largest of the standardised scores it takes. Each head finds its own kind
    /// of anomaly (the arrow of time a reversed object, motion irregularity a hurried one, appearance a foreign one),
    /// and the mean of five diluted one head's signal by four that see nothing there: on the planted criterion of
    /// step 26's Ped2 models the mean gave 88.5 ± 4.4 and the largest 94.2 ± 2.6 (docs/experiments.md, criterion
    /// step 2).
    public var score: Float

    /// `weights`: which heads the score takes, one per head, > 0 = taken (nil = all).
    public init(frame: Int, box: PixelBox, heads: [Float], weights: [Float]? = nil) {
        let weights = weights ?? Array(repeating: 1, count: heads.count)
        precondition(heads.count == weights.count)
        self.frame = frame
        self.box = box
        self.heads = heads
        score = zip(heads, weights).filter { $0.1 > 0 }.map(\.0).max() ?? 0
    }
}
