import Foundation
import NeuralNet

/// The COCO weights a model's appearance features come from: the path train was given and the CRC-32 of the values
/// the features use (`PretrainedAppearance.checksum`).
public struct AppearanceWeights: Sendable, Equatable {
    public var path: String
    public var checksum: String
    public init(path: String, checksum: String) { self.path = path; self.checksum = checksum }
}

/// Everything a checkpoint says about the run besides the weights, stored as strings in the safetensors
/// `__metadata__` (so Python's `safetensors` shows it too). docs/design.md lists every key.
public struct CheckpointInfo: Sendable, Equatable {
    /// The architecture (variant, encoder plan, crop size, head and decoder widths, dropout).
    public var network: NetworkConfig
    public var variant: Variant { network.variant }
    public var teacherWidth: Int
    public var learningRate: Float
    /// Share of the irregular motion sequences that are uniform fast-forwards.
    public var fastForwardShare = 0.0
    /// Whether half of the training objects were mirrored left-right.
    public var mirror = false
    /// About how many objects an epoch takes (0 = all) and the frame stride that gave (`TrainingOptions`). Files
    /// written before they existed: 0 and 1.
    public var objectsPerEpoch = 0
    public var frameStride = 1
    public var batchSize: Int
    public var seed: UInt64
    /// Epochs completed when the file was written.
    public var epoch: Int
    public var epochsPlanned: Int
    public var bestEpoch: Int
    public var bestValidationLoss: Double
    /// Self-distillation phase (motion detector, no external teacher): planned and completed student epochs, and
    /// the kept student epoch (the student weights in the best checkpoint) with its validation discrepancy.
    public var studentEpochsPlanned = 0
    public var studentEpoch = 0
    public var bestStudentEpoch = 0
    public var bestStudentLoss = Double.infinity
    /// Detector settings as `key=value` pairs (the detector the model was trained with; `DetectorSettings`).
    public var detector: [String: String]
    /// Normal mean and std of each score; nil until training has finished.
    public var headStatistics: HeadStatistics?
    /// Temporal smoothing σ chosen on the validation videos (pseudo-anomalies), the default of `ssmtl score`,
    /// and the frame AUC of every σ tried ("sigma:auc,..."); nil when not chosen.
    public var scoreSigma: Double?
    public var scoreSigmaValidation: String?
    /// The held-out normal validation videos' frame scores, from which `score` sets its event threshold, and the share
    /// of them (percent) the threshold lets through by default; nil for models trained before events existed.
    public var normalFrameScores: NormalFrameScores?
    public var falseAlarmPercent = NormalFrameScores.defaultFalseAlarmPercent
    /// Which objects standardised the network heads, e.g. "held-out: 09, 15 (1908 objects)"; informational.
    public var headStatisticsObjects: String?
    /// The COCO weights whose first layers give the appearance features (`PretrainedAppearance`), as given to train,
    /// with the checksum of the values used; nil when the features are the network's own (and in older files).
    public var appearanceWeights: AppearanceWeights?
    /// Training settings of an earlier version that this one no longer has (e.g. "lr_schedule constant"), read from
    /// an older file. Such a model scores as before, but training cannot continue from it.
    public var retiredTrainingSettings: [String] = []

    public init(network: NetworkConfig, teacherWidth: Int, learningRate: Float, batchSize: Int, seed: UInt64, epochsPlanned: Int,
                detector: [String: String]) {
        self.network = network
        self.teacherWidth = teacherWidth
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
        epoch = 0
        self.epochsPlanned = epochsPlanned
        bestEpoch = 0
        bestValidationLoss = .infinity
        self.detector = detector
    }

    /// Files written by this version. Version 2 files (earlier versions) are read too: their keys for settings that
    /// no longer exist are checked by `RetiredSettings`.
    static let format = "ssmtl-checkpoint-3"
    static let previousFormat = "ssmtl-checkpoint-2"

    var metadata: [String: String] {
        var m: [String: String] = [
            "format": CheckpointInfo.format, "variant": variant.rawValue, "teacher_width": "\(teacherWidth)",
            "encoder_plan": network.encoderPlanText, "crop_size": "\(network.cropSize)",
            "head_channels": "\(network.headChannels)", "decoder_channels": "\(network.decoderChannels)",
            "dropout": "\(network.dropout)",
            "student_epochs_planned": "\(studentEpochsPlanned)", "student_epoch": "\(studentEpoch)",
            "best_student_epoch": "\(bestStudentEpoch)", "best_student_loss": "\(bestStudentLoss)",
            "learning_rate": "\(learningRate)", "fast_forward_share": "\(fastForwardShare)", "mirror": "\(mirror)",
            "objects_per_epoch": "\(objectsPerEpoch)", "frame_stride": "\(frameStride)",
            "epoch_selection": RetiredSettings.epochSelection, "student_selection": RetiredSettings.epochSelection,
            "batch_size": "\(batchSize)", "seed": "\(seed)", "epoch": "\(epoch)",
            "epochs_planned": "\(epochsPlanned)", "best_epoch": "\(bestEpoch)", "best_validation_loss": "\(bestValidationLoss)",
            "detector": detector.keys.sorted().map { "\($0)=\(detector[$0]!)" }.joined(separator: ";"),
        ]
        if let scoreSigma { m["score_sigma"] = "\(scoreSigma)" }
        if let scoreSigmaValidation { m["score_sigma_validation_auc"] = scoreSigmaValidation }
        if let headStatisticsObjects { m["head_statistics_objects"] = headStatisticsObjects }
        if let normalFrameScores {
            m["normal_frame_scores"] = normalFrameScores.metadataText
            m["false_alarm_percent"] = "\(falseAlarmPercent)"
        }
        if let appearanceWeights {
            m["appearance_features"] = PretrainedAppearance.name
            m["appearance_weights"] = appearanceWeights.path
            m["appearance_weights_crc32"] = appearanceWeights.checksum
        }
        if let stats = headStatistics {
            m["head_mean"] = stats.mean.map { "\($0)" }.joined(separator: ",")
            m["head_std"] = stats.std.map { "\($0)" }.joined(separator: ",")
        }
        return m
    }

    init(metadata m: [String: String], path: String) throws {
        func value(_ key: String) throws -> String {
            guard let v = m[key] else { throw CheckpointError(path, "metadata has no '\(key)' (not an ssmtl checkpoint?)") }
            return v
        }
        func number<T: LosslessStringConvertible>(_ key: String) throws -> T {
            guard let v = T(try value(key)) else { throw CheckpointError(path, "metadata '\(key)' is not a number") }
            return v
        }
        if m["format"] == RetiredSettings.ensembleFormat {
            throw CheckpointError(path, "is an ensemble of \(m["members"] ?? "several") networks (train --members), which this version does not score; score one member's own file (MODEL.member-1.safetensors) instead")
        }
        guard m["format"] == CheckpointInfo.format || m["format"] == CheckpointInfo.previousFormat else {
            throw CheckpointError(path, "not an ssmtl checkpoint (metadata format is \(m["format"].map { "'\($0)'" } ?? "missing"))")
        }
        retiredTrainingSettings = try RetiredSettings.check(m, path: path)
        guard let variant = Variant(rawValue: try value("variant")) else {
            throw CheckpointError(path, "unknown network variant '\(m["variant"]!)'")
        }
        // Architecture keys beyond the variant are optional: a file without them has the variant's defaults.
        var network = NetworkConfig(variant: variant)
        if let text = m["encoder_plan"] {
            guard let plan = NetworkConfig.parseEncoderPlan(text) else { throw CheckpointError(path, "bad encoder_plan '\(text)'") }
            network.encoderPlan = plan
        }
        if m["crop_size"] != nil { network.cropSize = try number("crop_size") }
        if m["head_channels"] != nil { network.headChannels = try number("head_channels") }
        if m["decoder_channels"] != nil { network.decoderChannels = try number("decoder_channels") }
        if m["dropout"] != nil { network.dropout = try number("dropout") }
        if let problem = network.problem { throw CheckpointError(path, "describes an impossible network: \(problem)") }
        self.network = network
        teacherWidth = try number("teacher_width")
        guard (0...65536).contains(teacherWidth) else { throw CheckpointError(path, "metadata 'teacher_width' \(teacherWidth) is outside 0...65536") }
        learningRate = try number("learning_rate")
        if m["fast_forward_share"] != nil {
            fastForwardShare = try number("fast_forward_share")
            guard (0...1).contains(fastForwardShare) else { throw CheckpointError(path, "metadata 'fast_forward_share' must lie in [0, 1]") }
        }
        if let text = m["mirror"] {
            guard let value = Bool(text) else { throw CheckpointError(path, "metadata 'mirror' is '\(text)', not true or false") }
            mirror = value
        }
        func stride(_ key: String) throws -> Int {
            guard m[key] != nil else { return 1 }
            let value: Int = try number(key)
            guard (1...1000).contains(value) else { throw CheckpointError(path, "metadata '\(key)' must lie in 1...1000") }
            return value
        }
        frameStride = try stride("frame_stride")
        func count(_ key: String) throws -> Int {
            guard m[key] != nil else { return 0 }
            let value: Int = try number(key)
            guard value >= 0 else { throw CheckpointError(path, "metadata '\(key)' must not be negative") }
            return value
        }
        objectsPerEpoch = try count("objects_per_epoch")
        batchSize = try number("batch_size")
        seed = try number("seed")
        epoch = try number("epoch")
        epochsPlanned = try number("epochs_planned")
        bestEpoch = try number("best_epoch")
        bestValidationLoss = try number("best_validation_loss")
        studentEpochsPlanned = try number("student_epochs_planned")
        studentEpoch = try number("student_epoch")
        bestStudentEpoch = try number("best_student_epoch")
        bestStudentLoss = try number("best_student_loss")
        detector = [:]
        for pair in try value("detector").split(separator: ";") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { detector[kv[0]] = kv[1] }
        }
        if m["score_sigma"] != nil {
            let sigma: Double = try number("score_sigma")
            guard sigma >= 0, sigma <= FrameScoreSmoothing.maximumSigma else {
                throw CheckpointError(path, "metadata 'score_sigma' must lie in 0...\(Int(FrameScoreSmoothing.maximumSigma))")
            }
            scoreSigma = sigma
        }
        scoreSigmaValidation = m["score_sigma_validation_auc"]
        headStatisticsObjects = m["head_statistics_objects"]
        if let text = m["normal_frame_scores"] {
            normalFrameScores = try NormalFrameScores(metadataText: text, path: path)
            let percent: Double = try number("false_alarm_percent")
            guard NormalFrameScores.falseAlarmPercentRange.contains(percent) else {
                throw CheckpointError(path, "metadata 'false_alarm_percent' must lie in 0...50")
            }
            falseAlarmPercent = percent
        }
        if let mean = m["head_mean"], let std = m["head_std"] {
            headStatistics = try Self.headStatistics(mean: mean, std: std, path: path)
        }
        if let features = m["appearance_features"] {
            guard features == PretrainedAppearance.name else {
                throw CheckpointError(path, "metadata 'appearance_features' is '\(features)'; this version knows '\(PretrainedAppearance.name)'")
            }
            guard let weights = m["appearance_weights"], let checksum = m["appearance_weights_crc32"],
                  checksum.count == 8, checksum.allSatisfy(\.isHexDigit) else {
                throw CheckpointError(path, "metadata 'appearance_features' needs 'appearance_weights' and an 8-digit hex 'appearance_weights_crc32'")
            }
            appearanceWeights = AppearanceWeights(path: weights, checksum: checksum)
        }
    }

    /// The stored statistics: four (a model without the appearance score) or five values each; older files may end
    /// with a sixth of zero spread (the retired jigsaw score of a model without it), which is dropped.
    static func headStatistics(mean: String, std: String, path: String) throws -> HeadStatistics {
        var mv = mean.split(separator: ",").compactMap { Float(String($0)) }
        var sv = std.split(separator: ",").compactMap { Float(String($0)) }
        if mv.count == 6 && sv.count == 6 && sv[5] == 0 { mv.removeLast(); sv.removeLast() }
        guard mv.count == sv.count, (4...HeadScores.names.count).contains(mv.count) else {
            throw CheckpointError(path, "head statistics need 4 to \(HeadScores.names.count) values each (head_mean has \(mv.count), head_std \(sv.count))")
        }
        // A non-finite value, or no spread at all, would turn every score into NaN or 0 without a word. (A zero spread
        // leaves one score out: a model without the appearance score, or without a student.)
        guard mv.allSatisfy({ $0.isFinite }), sv.allSatisfy({ $0.isFinite && $0 >= 0 }), sv.contains(where: { $0 > 0 }) else {
            throw CheckpointError(path, "head statistics must be finite, and some spread positive (head_mean \(mean), head_std \(std))")
        }
        return HeadStatistics(mean: mv, std: sv)
    }
}

/// Settings of earlier versions that were tried and removed (docs/experiments.md), as earlier checkpoints name them.
/// A setting that changes how a model scores (another head, crop or score scale) makes the file unusable: it is
/// refused in one line. One that only shaped training (the learning-rate schedule, how the kept epoch was chosen,
/// weight averaging, the validation split's seed) leaves a model that scores as before; only continuing its
/// training is refused.
enum RetiredSettings {
    static let ensembleFormat = "ssmtl-ensemble-1"
    /// How this version keeps a main or student epoch: by its validation loss. Version 3 files without the key chose
    /// by the replay check after every epoch (step 26 of docs/experiments.md); version 2 files without it, by the loss.
    static let epochSelection = "loss"

    /// (key, the value that matches this version's behaviour, the value an older file without the key implies).
    private static let scoring: [(key: String, current: String, absent: String)] = [
        ("jigsaw_grid", "0", "0"), ("crop_shape", "stretch", "stretch"), ("appearance_score", "nearest", "nearest"),
        ("score_calibration", "z", "z"),
    ]
    private static func training(previousFormat: Bool) -> [(key: String, current: String, absent: String)] {
        previousFormat
            ? [("lr_schedule", "cosine", "constant"), ("epoch_selection", epochSelection, "loss"), ("student_selection", epochSelection, "loss")]
            : [("epoch_selection", epochSelection, "replay"), ("student_selection", epochSelection, "replay")]
    }

    /// Throws for a scoring setting that no longer exists; returns the training settings that no longer exist
    /// ("lr_schedule constant", ...), empty when the file's training matches this version's.
    static func check(_ m: [String: String], path: String) throws -> [String] {
        let previous = m["format"] == CheckpointInfo.previousFormat
        // This version's format holds none of the scoring keys, and no averaged or otherwise split training.
        for (key, current, absent) in scoring where previous {
            let value = m[key] ?? absent
            if value != current && !(key == "jigsaw_grid" && Int(value) == 0) {
                throw CheckpointError(path, "was trained with \(key) \(value), a setting this version no longer has (docs/experiments.md); train a new model")
            }
        }
        var retired: [String] = []
        for (key, current, absent) in training(previousFormat: previous) where (m[key] ?? absent) != current {
            retired.append("\(key) \(m[key] ?? absent)")
        }
        guard previous else { return retired }
        if let decay = m["ema_decay"], Float(decay) != 0 { retired.append("ema_decay \(decay)") }
        if let split = m["split_seed"], split != m["seed"] { retired.append("split_seed \(split)") }
        return retired
    }
}
