import Foundation
import NeuralNet

/// Everything a checkpoint says about the run besides the weights, stored as strings in the safetensors
/// `__metadata__` (so Python's `safetensors` shows it too).
public struct CheckpointInfo: Sendable, Equatable {
    /// The architecture (variant, encoder plan, crop size, head and decoder widths, dropout).
    public var network: NetworkConfig
    public var variant: Variant { network.variant }
    public var teacherWidth: Int
    public var learningRate: Float
    /// Share of the irregular motion sequences that are uniform fast-forwards (0 in checkpoints written before
    /// the option existed).
    public var fastForwardShare = 0.0
    /// How the main-training learning rate changes from epoch to epoch (constant in checkpoints written before
    /// the option existed).
    public var learningRateSchedule = LearningRateSchedule.constant
    /// Whether half of the training objects were mirrored left-right (false before the option existed).
    public var mirror = false
    /// How each box becomes the crop region (stretch in checkpoints written before the option existed).
    public var cropShape = CropShape.stretch
    /// Decay of the moving average of the weights during the main epochs (`ema_decay`; 0 = none, also in
    /// checkpoints written before the option existed).
    public var weightAverageDecay: Float = 0
    /// How the appearance score is measured against the bank (`appearance_score`; nearest in checkpoints written
    /// before the option existed).
    public var appearanceScore = AppearanceScore.nearest
    public var batchSize: Int
    public var seed: UInt64
    /// Seed of the validation split (`split_seed`; the seed itself in checkpoints written before the option existed).
    public var splitSeed: UInt64
    /// Epochs completed when the file was written.
    public var epoch: Int
    public var epochsPlanned: Int
    public var bestEpoch: Int
    public var bestValidationLoss: Double
    /// How the best epoch was chosen (`epoch_selection`; loss in checkpoints written before the option existed).
    public var epochSelection = EpochSelection.loss
    /// With replay selection: the kept epoch's replay frame AUC (`best_epoch_replay_auc`) and every finished epoch's
    /// ("epoch:auc,...", `epoch_replay_auc`); nil otherwise or when no replay could be made.
    public var bestReplayAUC: Double?
    public var epochReplayAUCs: String?
    /// Self-distillation phase (motion detector, no external teacher): planned and completed student epochs, and
    /// the kept student epoch (the student weights in the best checkpoint) with its validation discrepancy.
    public var studentEpochsPlanned = 0
    public var studentEpoch = 0
    public var bestStudentEpoch = 0
    public var bestStudentLoss = Double.infinity
    /// How the kept student epoch was chosen (`student_selection`; loss in checkpoints written before the option).
    public var studentSelection = EpochSelection.loss
    /// With replay selection the student epoch is chosen as the main epoch is: the kept student epoch's replay frame
    /// AUC (`best_student_replay_auc`) and every finished student epoch's ("epoch:auc,...", `student_replay_auc`);
    /// nil otherwise or when no replay could be made.
    public var bestStudentReplayAUC: Double?
    public var studentReplayAUCs: String?
    /// Detector settings as `key=value` pairs (the detector the model was trained with).
    public var detector: [String: String]
    /// Training-set mean and std of each head's score; nil until training has finished.
    public var headStatistics: HeadStatistics?
    /// Temporal smoothing σ chosen on the validation videos (pseudo-anomalies), the default of `ssmtl score`,
    /// and the frame AUC of every σ tried ("sigma:auc,..."); nil when not chosen.
    public var scoreSigma: Double?
    public var scoreSigmaValidation: String?
    /// Which objects standardised the network heads, e.g. "held-out: 09, 15 (1908 objects)" or "all: 21683 objects"; informational.
    public var headStatisticsObjects: String?

    public init(variant: Variant, teacherWidth: Int, learningRate: Float, batchSize: Int, seed: UInt64, epochsPlanned: Int,
                detector: [String: String]) {
        self.init(network: NetworkConfig(variant: variant), teacherWidth: teacherWidth, learningRate: learningRate,
                  batchSize: batchSize, seed: seed, epochsPlanned: epochsPlanned, detector: detector)
    }

    public init(network: NetworkConfig, teacherWidth: Int, learningRate: Float, batchSize: Int, seed: UInt64, epochsPlanned: Int,
                detector: [String: String]) {
        self.network = network
        self.teacherWidth = teacherWidth
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
        splitSeed = seed
        epoch = 0
        self.epochsPlanned = epochsPlanned
        bestEpoch = 0
        bestValidationLoss = .infinity
        self.detector = detector
    }

    /// Forgets the trained student (`train --retrain-student`): no student epoch done, none kept; the next student
    /// will be chosen by `selection`.
    public mutating func discardStudent(nextChosenBy selection: EpochSelection) {
        studentSelection = selection
        studentEpoch = 0
        bestStudentEpoch = 0
        bestStudentLoss = .infinity
        bestStudentReplayAUC = nil
        studentReplayAUCs = nil
    }

    static let format = "ssmtl-checkpoint-2"

    var metadata: [String: String] {
        var m: [String: String] = [
            "format": CheckpointInfo.format, "variant": variant.rawValue, "teacher_width": "\(teacherWidth)",
            "encoder_plan": network.encoderPlanText, "crop_size": "\(network.cropSize)",
            "head_channels": "\(network.headChannels)", "decoder_channels": "\(network.decoderChannels)",
            "dropout": "\(network.dropout)", "jigsaw_grid": "\(network.jigsawGrid)",
            "student_epochs_planned": "\(studentEpochsPlanned)", "student_epoch": "\(studentEpoch)",
            "best_student_epoch": "\(bestStudentEpoch)", "best_student_loss": "\(bestStudentLoss)",
            "learning_rate": "\(learningRate)", "fast_forward_share": "\(fastForwardShare)",
            "lr_schedule": learningRateSchedule.rawValue, "mirror": "\(mirror)", "crop_shape": cropShape.rawValue,
            "ema_decay": "\(weightAverageDecay)", "appearance_score": appearanceScore.rawValue,
            "batch_size": "\(batchSize)", "seed": "\(seed)", "split_seed": "\(splitSeed)", "epoch": "\(epoch)",
            "epochs_planned": "\(epochsPlanned)", "best_epoch": "\(bestEpoch)", "best_validation_loss": "\(bestValidationLoss)",
            "detector": detector.keys.sorted().map { "\($0)=\(detector[$0]!)" }.joined(separator: ";"),
        ]
        m["epoch_selection"] = epochSelection.rawValue
        if let bestReplayAUC { m["best_epoch_replay_auc"] = "\(bestReplayAUC)" }
        if let epochReplayAUCs { m["epoch_replay_auc"] = epochReplayAUCs }
        m["student_selection"] = studentSelection.rawValue
        if let bestStudentReplayAUC { m["best_student_replay_auc"] = "\(bestStudentReplayAUC)" }
        if let studentReplayAUCs { m["student_replay_auc"] = studentReplayAUCs }
        if let scoreSigma { m["score_sigma"] = "\(scoreSigma)" }
        if let scoreSigmaValidation { m["score_sigma_validation_auc"] = scoreSigmaValidation }
        if let headStatisticsObjects { m["head_statistics_objects"] = headStatisticsObjects }
        if let stats = headStatistics {
            m["head_mean"] = stats.mean.map { "\($0)" }.joined(separator: ",")
            m["head_std"] = stats.std.map { "\($0)" }.joined(separator: ",")
            m["score_calibration"] = stats.calibration.rawValue
            if let tails = stats.tails {
                m["head_tail_knots"] = tails.map { $0.knots.map { "\($0)" }.joined(separator: ",") }.joined(separator: ";")
                m["head_tail_excess"] = tails.map { "\($0.meanExcess)" }.joined(separator: ",")
            }
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
        guard m["format"] == CheckpointInfo.format else {
            throw CheckpointError(path, "not an ssmtl checkpoint (metadata format is \(m["format"].map { "'\($0)'" } ?? "missing"))")
        }
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
        if m["jigsaw_grid"] != nil { network.jigsawGrid = try number("jigsaw_grid") }
        if let problem = network.problem { throw CheckpointError(path, "describes an impossible network: \(problem)") }
        self.network = network
        teacherWidth = try number("teacher_width")
        guard (0...65536).contains(teacherWidth) else { throw CheckpointError(path, "metadata 'teacher_width' \(teacherWidth) is outside 0...65536") }
        learningRate = try number("learning_rate")
        if m["fast_forward_share"] != nil {
            fastForwardShare = try number("fast_forward_share")
            guard (0...1).contains(fastForwardShare) else { throw CheckpointError(path, "metadata 'fast_forward_share' must lie in [0, 1]") }
        }
        if let text = m["lr_schedule"] {
            guard let schedule = LearningRateSchedule(rawValue: text) else {
                throw CheckpointError(path, "metadata 'lr_schedule' is '\(text)', not one of \(LearningRateSchedule.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            learningRateSchedule = schedule
        }
        if let text = m["mirror"] {
            guard let value = Bool(text) else { throw CheckpointError(path, "metadata 'mirror' is '\(text)', not true or false") }
            mirror = value
        }
        if let text = m["crop_shape"] {
            guard let shape = CropShape(rawValue: text) else {
                throw CheckpointError(path, "metadata 'crop_shape' is '\(text)', not one of \(CropShape.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            cropShape = shape
        }
        if let text = m["appearance_score"] {
            guard let score = AppearanceScore(rawValue: text) else {
                throw CheckpointError(path, "metadata 'appearance_score' is '\(text)', not one of \(AppearanceScore.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            appearanceScore = score
        }
        if m["ema_decay"] != nil {
            weightAverageDecay = try number("ema_decay")
            guard weightAverageDecay == 0 || (weightAverageDecay > 0 && weightAverageDecay < 1) else {
                throw CheckpointError(path, "metadata 'ema_decay' must be 0 or lie in (0, 1)")
            }
        }
        batchSize = try number("batch_size")
        seed = try number("seed")
        splitSeed = m["split_seed"] != nil ? try number("split_seed") : seed
        epoch = try number("epoch")
        epochsPlanned = try number("epochs_planned")
        bestEpoch = try number("best_epoch")
        bestValidationLoss = try number("best_validation_loss")
        if let text = m["epoch_selection"] {
            guard let selection = EpochSelection(rawValue: text) else {
                throw CheckpointError(path, "metadata 'epoch_selection' is '\(text)', not one of \(EpochSelection.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            epochSelection = selection
        }
        func replayAUC(_ key: String) throws -> Double? {
            guard m[key] != nil else { return nil }
            let auc: Double = try number(key)
            guard (0...1).contains(auc) else { throw CheckpointError(path, "metadata '\(key)' must lie in [0, 1]") }
            return auc
        }
        bestReplayAUC = try replayAUC("best_epoch_replay_auc")
        epochReplayAUCs = m["epoch_replay_auc"]
        studentEpochsPlanned = try number("student_epochs_planned")
        studentEpoch = try number("student_epoch")
        bestStudentEpoch = try number("best_student_epoch")
        bestStudentLoss = try number("best_student_loss")
        if let text = m["student_selection"] {
            guard let selection = EpochSelection(rawValue: text) else {
                throw CheckpointError(path, "metadata 'student_selection' is '\(text)', not one of \(EpochSelection.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            studentSelection = selection
        }
        bestStudentReplayAUC = try replayAUC("best_student_replay_auc")
        studentReplayAUCs = m["student_replay_auc"]
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
        if let mean = m["head_mean"], let std = m["head_std"] {
            let mv = mean.split(separator: ",").compactMap { Float(String($0)) }
            let sv = std.split(separator: ",").compactMap { Float(String($0)) }
            guard mv.count == sv.count, (4...HeadScores.names.count).contains(mv.count) else {
                throw CheckpointError(path, "head statistics need 4 to \(HeadScores.names.count) values each (head_mean has \(mv.count), head_std \(sv.count))")
            }
            // A non-finite value, or no spread at all, would turn every score into NaN or 0 without a word. (A zero
            // spread leaves one score out: a model without the appearance or jigsaw score, or without a student.)
            guard mv.allSatisfy({ $0.isFinite }), sv.allSatisfy({ $0.isFinite && $0 >= 0 }), sv.contains(where: { $0 > 0 }) else {
                throw CheckpointError(path, "head statistics must be finite, and some spread positive (head_mean \(mean), head_std \(std))")
            }
            headStatistics = HeadStatistics(mean: mv, std: sv, tails: try Self.scoreTails(m, count: mv.count, path: path))
        }
    }
}

extension CheckpointInfo {
    /// The tail calibration of the scores (nil with the z calibration, also in checkpoints written before it
    /// existed): `count` scores, each with `ScoreTail.knotCount` knots.
    static func scoreTails(_ m: [String: String], count: Int, path: String) throws -> [ScoreTail]? {
        let text = m["score_calibration"] ?? ScoreCalibration.z.rawValue
        guard let calibration = ScoreCalibration(rawValue: text) else {
            throw CheckpointError(path, "metadata 'score_calibration' is '\(text)', not one of \(ScoreCalibration.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard calibration == .tail else { return nil }
        guard let knotText = m["head_tail_knots"], let excessText = m["head_tail_excess"] else {
            throw CheckpointError(path, "has score_calibration tail but no head_tail_knots or head_tail_excess")
        }
        let knots = knotText.split(separator: ";", omittingEmptySubsequences: false)
        let excesses = excessText.split(separator: ",", omittingEmptySubsequences: false)
        guard knots.count == count, excesses.count == count else {
            throw CheckpointError(path, "head tail calibration needs \(count) scores, like head_mean (head_tail_knots has \(knots.count), head_tail_excess \(excesses.count))")
        }
        var tails: [ScoreTail] = []
        for (h, (row, excess)) in zip(knots, excesses).enumerated() {
            let values = row.split(separator: ",", omittingEmptySubsequences: false).map { Float(String($0)) }
            guard values.count == ScoreTail.knotCount, values.allSatisfy({ $0 != nil }), let e = Float(String(excess)),
                  let tail = ScoreTail(knots: values.map { $0! }, meanExcess: e) else {
                throw CheckpointError(path, "head tail calibration of \(HeadScores.names[h]) must be \(ScoreTail.knotCount) finite non-decreasing knots and a finite mean excess >= 0")
            }
            tails.append(tail)
        }
        guard tails.contains(where: \.isUsable) else {
            throw CheckpointError(path, "head tail calibration has no score with a positive mean excess")
        }
        return tails
    }
}

/// Checkpoints in the safetensors format, written by the network itself (`MultiTaskNet.save`): the state dict
/// under PyTorch-style names (`encoder.0.weight`, `aot.1.running_mean`, ...), for training checkpoints the Adam
/// moments (`adam.m.<name>`, `adam.v.<name>`, `adam_step`), and the run's `CheckpointInfo` in `__metadata__`.
public enum ModelCheckpoint {
    /// With `includeOptimizer` (a training checkpoint, to resume from) the network's live weights are saved, with
    /// the Adam states and, while the weights are being averaged, the averages (`ema.<name>`, metadata
    /// `ema_updates`). Without it, whatever weights the network holds are saved.
    public static func save(_ model: MultiTaskModel, info: CheckpointInfo, to path: String, includeOptimizer: Bool) throws {
        var extra = model.appearanceBank.map {
            [NamedTensor(name: AppearanceBank.tensorName, shape: [$0.count, $0.dimension], values: $0.entries)]
        } ?? []
        var metadata = info.metadata
        if includeOptimizer, let average = model.weightAverage {
            model.useLiveWeights()
            extra += average.namedShadow(prefix: averagePrefix).map { NamedTensor(name: $0.0, shape: $0.1.shape, values: $0.1.array) }
            metadata["ema_updates"] = "\(average.updates)"
        }
        try model.net.save(to: path, metadata: metadata, optimizer: includeOptimizer ? model.optimizer : nil,
                           studentOptimizer: includeOptimizer ? model.studentOptimizer : nil, extra: extra)
    }

    static let averagePrefix = "ema"

    /// The appearance bank of a checkpoint file (nil when it has none), checked against the network's feature size.
    static func appearanceBank(in file: SafetensorsFile, config: NetworkConfig, score: AppearanceScore, path: String) throws -> AppearanceBank? {
        guard let t = file.tensors[AppearanceBank.tensorName] else { return nil }
        let dimension = config.encoderChannels * (config.mapSize / 2) * (config.mapSize / 2)
        guard t.shape.count == 2, t.shape[0] > 0, t.shape[1] == dimension, t.values.count == t.shape[0] * dimension else {
            throw CheckpointError(path, "\(AppearanceBank.tensorName) has shape \(t.shape), expected (entries, \(dimension))")
        }
        guard t.values.allSatisfy({ $0.isFinite }) else { throw CheckpointError(path, "\(AppearanceBank.tensorName) holds a non-finite value") }
        guard let bank = AppearanceBank(dimension: dimension, entries: t.values, score: score) else {
            throw CheckpointError(path, "\(AppearanceBank.tensorName) cannot be fitted by a Gaussian (appearance_score \(score.rawValue))")
        }
        return bank
    }

    /// A checkpoint whose statistics use the appearance score must hold the bank it is measured against.
    static func checkAppearance(_ info: CheckpointInfo, bank: AppearanceBank?, path: String) throws {
        if let stats = info.headStatistics, stats.weights[4] > 0, bank == nil {
            throw CheckpointError(path, "has appearance statistics but no \(AppearanceBank.tensorName) tensor")
        }
    }

    /// Loads a checkpoint; with `restoreOptimizer` the Adam state must be in the file.
    public static func load(_ path: String, restoreOptimizer: Bool = false) throws -> (MultiTaskModel, CheckpointInfo) {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError(path, "no such file") }
        return try load(Safetensors.read(path), path: path, restoreOptimizer: restoreOptimizer)
    }

    /// Loads the model a parsed checkpoint holds (`path` names it in errors).
    static func load(_ file: SafetensorsFile, path: String, restoreOptimizer: Bool = false) throws -> (MultiTaskModel, CheckpointInfo) {
        // The metadata says which network to build before its weights can be loaded.
        let info = try CheckpointInfo(metadata: file.metadata, path: path)
        let model = MultiTaskModel(config: info.network, teacherWidth: info.teacherWidth, learningRate: info.learningRate, seed: info.seed)
        let expected = Set(model.net.stateDict.map(\.0))
        if let stray = file.order.first(where: { !expected.contains($0) && !$0.hasPrefix("adam.") && !$0.hasPrefix("student_adam.")
                                                 && !$0.hasPrefix(averagePrefix + ".") && $0 != AppearanceBank.tensorName }) {
            throw CheckpointError(path, "unexpected tensor \(stray) (a checkpoint of another network?)")
        }
        if restoreOptimizer && file.metadata["adam_step"] == nil {
            throw CheckpointError(path, "holds no optimizer state to resume from")
        }
        try model.net.load(file, path: path, optimizer: restoreOptimizer ? model.optimizer : nil,
                               studentOptimizer: restoreOptimizer ? model.studentOptimizer : nil)
        model.studentTrained = info.studentEpoch > 0
        model.appearanceBank = try appearanceBank(in: file, config: info.network, score: info.appearanceScore, path: path)
        try checkAppearance(info, bank: model.appearanceBank, path: path)
        if restoreOptimizer && info.weightAverageDecay > 0 && info.epoch < info.epochsPlanned {
            try restoreWeightAverage(of: model, decay: info.weightAverageDecay, from: file, path: path)
        }
        return (model, info)
    }

    /// The moving average of a training checkpoint whose main epochs are not finished.
    private static func restoreWeightAverage(of model: MultiTaskModel, decay: Float, from file: SafetensorsFile, path: String) throws {
        guard let text = file.metadata["ema_updates"] else {
            throw CheckpointError(path, "was trained with ema_decay \(decay) but holds no averaged weights to resume from")
        }
        guard let updates = Int(text), updates >= 0 else { throw CheckpointError(path, "bad ema_updates '\(text)'") }
        model.enableWeightAverage(decay: decay)
        let average = model.weightAverage!
        try Safetensors.load(file, into: average.namedShadow(prefix: averagePrefix), path: path)
        average.setUpdates(updates)
    }

    /// Loads the weights of a checkpoint into an existing model of the same network (the optimizer state is left
    /// alone) and returns the checkpoint's info.
    public static func loadWeights(_ path: String, into model: MultiTaskModel) throws -> CheckpointInfo {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError(path, "no such file") }
        let file = try Safetensors.read(path)
        let metadata = try model.net.load(file, path: path)
        let info = try CheckpointInfo(metadata: metadata, path: path)
        model.studentTrained = info.studentEpoch > 0
        model.appearanceBank = try appearanceBank(in: file, config: info.network, score: info.appearanceScore, path: path)
        try checkAppearance(info, bank: model.appearanceBank, path: path)
        return info
    }
}
