import Detection
import Foundation

/// Everything a training run can be told. The defaults are the method as documented (docs/design.md); the values
/// that only an expert changes (the architecture, the optimiser, the data buffer) are still here so that a program,
/// or `ssmtl train --help-hidden`, can reach them.
public struct TrainingOptions: Sendable, Equatable {
    /// The architecture: a variant (spec §5) with optional overrides of its encoder plan and widths.
    public var network = NetworkConfig(variant: .shallowNarrow)
    /// Main epochs: all four tasks trained together, the learning rate lowered along half a cosine.
    public var epochs = 10
    /// Self-distillation epochs after the main ones (motion detector only: the student decoder learns to reproduce
    /// the frozen middle-box decoder, and their disagreement is the distillation score); 0 = no distillation score.
    public var studentEpochs = 6
    public var batchSize = 64
    /// Adam's learning rate (β 0.9 / 0.999, ε 1e-8, no weight decay), main and student phases.
    public var learningRate: Float = 1e-3
    /// Mirror half of the training objects left-right, so the arrow-of-time head learns how motion looks played
    /// backwards rather than which way people usually walk at each place. Off for a scene where the direction of
    /// motion is itself the normal pattern (a one-way corridor, traffic lanes).
    public var mirror = true
    /// Share of the irregular motion sequences that are uniform fast-forwards (every k-th frame, k = 2...5) rather
    /// than random jumps, so the irregularity head also learns objects moving a few times faster than normal.
    public var fastForwardShare = 1.0 / 3
    /// Every random draw: initialisation, the validation split, irregular offsets, shuffling, coin flips, dropout.
    public var seed: UInt64 = 1
    /// About how many training objects an epoch (main or student) takes: the objects of one frame in k, a different
    /// one each epoch (`FrameStride`), k the smallest stride that brings the training split's objects down to this
    /// many (Ped2: k = 7). Consecutive frames hold nearly the same objects, so a long video teaches little more per
    /// epoch than a sample of its frames, and an epoch costs the same whatever the length of the videos. 0 = every
    /// object in every epoch.
    public var objectsPerEpoch = 3000
    /// Training examples held in the shuffle buffer (about 172 kB each with 64-pixel crops): bounds memory.
    public var shuffleCapacity = 2048
    /// Most training objects in the appearance bank (a seeded sample when there are more; 2 kB each in the model with
    /// shallow-narrow).
    public var appearanceBankCapacity = AppearanceSampler.defaultCapacity
    /// A YOLOv3-tiny COCO .weights file whose first layers give the appearance features (`PretrainedAppearance`),
    /// recorded in the model with its checksum; nil = the network's own features.
    public var appearanceWeights: String?
    /// The detector that finds the objects, recorded in the model.
    public var detector = DetectorSettings()
    /// Continue from `MODEL.last.safetensors` with the same data and settings: the result equals an uninterrupted
    /// run's. A finished run is finished again: its statistics, appearance bank and σ are recomputed.
    public var resume = false
    /// Network threads (0 = all cores). Process-wide: the run sets NeuralNet's thread plan.
    public var threads = 0
    /// The share (percent) of the normal validation frames that `score`'s default event threshold lets through:
    /// stored in the model with those frames' scores (`NormalFrameScores`).
    public var falseAlarmPercent = NormalFrameScores.defaultFalseAlarmPercent

    public init() {}

    /// The largest batch: activations grow with it (4096 objects of the deep-wide network are already tens of GB).
    public static let maximumBatch = 4096
    /// The appearance bank's largest cap: its leave-one-video-out pass compares every entry with every other.
    public static let maximumBankCapacity = 131_072

    /// Why these options cannot be trained, in words for the user, or nil.
    public var problem: String? {
        if let problem = network.problem { return "impossible network: \(problem)" }
        if epochs < 1 { return "the number of epochs must be at least 1" }
        if studentEpochs < 0 { return "the number of student epochs must be 0 or more" }
        if !(2...Self.maximumBatch).contains(batchSize) { return "the batch must hold 2 to \(Self.maximumBatch) objects" }
        if shuffleCapacity < batchSize { return "the shuffle buffer must hold at least one batch" }
        if !(learningRate > 0 && learningRate.isFinite) { return "the learning rate must be positive" }
        if !(0...1).contains(fastForwardShare) { return "the fast-forward share must lie in [0, 1]" }
        if !(2...Self.maximumBankCapacity).contains(appearanceBankCapacity) {
            return "the appearance bank must hold 2 to \(Self.maximumBankCapacity) objects"
        }
        if threads < 0 { return "the thread count must not be negative" }
        if objectsPerEpoch < 0 { return "the objects per epoch must not be negative" }
        if !NormalFrameScores.falseAlarmPercentRange.contains(falseAlarmPercent) { return "the false-alarm percentage must lie in 0...50" }
        return detector.problem
    }
}

/// A phase of training and its epoch (1-based) of the planned count.
public enum TrainingPhase: Sendable, Equatable {
    case main(epoch: Int, of: Int)
    case student(epoch: Int, of: Int)
}

/// What a training run reports while it works, on the thread that called `TrainingRun.run`.
public enum TrainingEvent: Sendable {
    /// The run begins: the videos held out for validation, and whether it continues an earlier run.
    case started(TrainingStart)
    case epochStarted(TrainingPhase)
    /// After every training batch: objects trained so far in the epoch, and the running mean losses.
    case batchTrained(TrainingPhase, objects: Int, running: TaskMetrics)
    case epochFinished(EpochReport)
    /// The final statistics pass begins: every object of every training video is scored once, `frames` frames in
    /// all (about as long as scoring them; 0 when a finished run is resumed and nothing was detected yet).
    case statisticsStarted(videos: Int, frames: Int)
    /// Frames of the statistics pass scored so far.
    case statisticsProgress(frames: Int)
    /// The appearance bank of the final statistics pass.
    case appearanceBank(entries: Int, offered: Int, dimension: Int, mean: Float, std: Float)
    /// The scoring σ, chosen on the validation replays: its value, every σ's frame AUC ("sigma:auc,...") and the
    /// replay frames.
    case sigmaChosen(sigma: Double, table: String, frames: Int)
    /// Something the user should know that does not stop the run.
    case warning(String)
    /// A plain progress note ("choosing the scoring sigma on ...").
    case note(String)
    /// The run's last event: where its time went.
    case finished(TrainingTimings)
}

/// Where a training run's seconds went (wall clock), phase by phase, with the epochs' stage timings summed.
public struct TrainingTimings: Sendable {
    public var mainEpochs = 0.0, studentEpochs = 0.0
    /// The final normal statistics and appearance bank, the choice of σ, and the normal frames' scores (threshold).
    public var statistics = 0.0, sigma = 0.0, threshold = 0.0
    public var total = 0.0
    /// The stages of every main and student epoch.
    public var stages = EpochTimings()
    public init() {}
}

public struct TrainingStart: Sendable {
    public var videos: Int
    /// "every tenth object" or the validation videos' names.
    public var validation: String
    /// Epochs already done when resuming (nil for a new run).
    public var resumedAfterEpoch: Int?
    public var epochs: Int
}

public struct EpochReport: Sendable {
    public var phase: TrainingPhase
    public var train: TaskMetrics
    public var validation: TaskMetrics
    /// The loss that judges a main epoch: the validation objects' (the training objects' without any).
    public var validationLoss: Double
    public var seconds: Double
    public var learningRate: Float
    /// Where the epoch's seconds went.
    public var timings: EpochTimings
}

/// The run stopped because `isCancelled` said so. Everything up to `savedEpochs` is in `checkpoint`.
public struct TrainingCancelled: Error, CustomStringConvertible {
    /// "epoch 3", "student epoch 1", "the head statistics pass", "the sigma calibration".
    public let during: String
    public let savedEpochs: Int
    /// The training checkpoint to resume from; nil when no epoch was completed.
    public let checkpoint: String?
    public var description: String {
        "interrupted during \(during): " + (checkpoint.map { "\($0) holds epoch \(savedEpochs); resume to continue" } ?? "no epoch was completed, nothing to resume")
    }
}

/// A run that cannot train: one line for the user.
public struct TrainingFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
