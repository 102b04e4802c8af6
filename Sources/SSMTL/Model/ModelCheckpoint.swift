import Foundation
import NeuralNet

/// Checkpoints in the safetensors format, written by the network itself (`MultiTaskNet.save`): the state dict
/// under PyTorch-style names (`encoder.0.weight`, `aot.1.running_mean`, ...), for training checkpoints the Adam
/// moments (`adam.m.<name>`, `adam.v.<name>`, `adam_step`), and the run's `CheckpointInfo` in `__metadata__`.
public enum ModelCheckpoint {
    /// With `includeOptimizer` (a training checkpoint, to resume from) the network's live weights are saved with the
    /// Adam states and, while the weights are being averaged, the averages (`ema.<name>`, metadata `ema_updates`).
    /// Without it, whatever weights the network holds are saved.
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

    /// Tensor-name prefix of the averaged weights in a training checkpoint.
    static let averagePrefix = "ema"

    /// The appearance bank of a checkpoint file (nil when it has none), checked against the network's feature size.
    static func appearanceBank(in file: SafetensorsFile, config: NetworkConfig, path: String) throws -> AppearanceBank? {
        guard let t = file.tensors[AppearanceBank.tensorName] else { return nil }
        let dimension = config.encoderChannels * (config.mapSize / 2) * (config.mapSize / 2)
        guard t.shape.count == 2, t.shape[0] > 0, t.shape[1] == dimension, t.values.count == t.shape[0] * dimension else {
            throw CheckpointError(path, "\(AppearanceBank.tensorName) has shape \(t.shape), expected (entries, \(dimension))")
        }
        guard t.values.allSatisfy({ $0.isFinite }) else { throw CheckpointError(path, "\(AppearanceBank.tensorName) holds a non-finite value") }
        return AppearanceBank(dimension: dimension, entries: t.values)
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
        // Widths in the metadata could ask for terabytes: the file must hold at least the weights they describe.
        let stored = file.tensors.values.reduce(0.0) { $0 + Double($1.values.count) }
        let needed = info.network.weightCountLowerBound(teacherWidth: info.teacherWidth)
        guard needed <= stored else {
            throw CheckpointError(path, "its metadata describes a network of at least \(Int(needed.rounded())) weights, but the file holds \(Int(stored)) values (corrupt metadata, or a checkpoint of another network?)")
        }
        let model = MultiTaskModel(config: info.network, teacherWidth: info.teacherWidth, learningRate: info.learningRate, seed: info.seed)
        let expected = Set(model.net.stateDict.map(\.0))
        // (`ema.*`: the averaged weights of a training checkpoint.)
        if let stray = file.order.first(where: { !expected.contains($0) && !$0.hasPrefix("adam.") && !$0.hasPrefix("student_adam.")
                                                 && !$0.hasPrefix("ema.") && $0 != AppearanceBank.tensorName }) {
            throw CheckpointError(path, "unexpected tensor \(stray) (a checkpoint of another network?)")
        }
        if restoreOptimizer && file.metadata["adam_step"] == nil {
            throw CheckpointError(path, "holds no optimizer state to resume from")
        }
        if restoreOptimizer && !info.retiredTrainingSettings.isEmpty {
            throw CheckpointError(path, "was trained with \(info.retiredTrainingSettings.joined(separator: ", ")), which this version no longer has; the model still scores, but its training cannot continue (train a new model)")
        }
        try model.net.load(file, path: path, optimizer: restoreOptimizer ? model.optimizer : nil,
                               studentOptimizer: restoreOptimizer ? model.studentOptimizer : nil)
        model.studentTrained = info.studentEpoch > 0
        model.appearanceBank = try appearanceBank(in: file, config: info.network, path: path)
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

    /// A finished model, ready to score: the network, its checkpoint info and the statistics that standardise its
    /// scores. A file written before training finished (no statistics) is refused.
    public static func loadForScoring(_ path: String) throws -> (model: MultiTaskModel, info: CheckpointInfo, statistics: HeadStatistics) {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError(path, "no such file") }
        return try loadForScoring(Safetensors.read(path), path: path)
    }

    /// `loadForScoring` on a parsed checkpoint (`path` names it in errors).
    static func loadForScoring(_ file: SafetensorsFile, path: String) throws -> (model: MultiTaskModel, info: CheckpointInfo, statistics: HeadStatistics) {
        let (model, info) = try load(file, path: path)
        guard let statistics = info.headStatistics else {
            throw CheckpointError(path, "has no head statistics (training did not finish): use the model written at the end of `ssmtl train`")
        }
        return (model, info, statistics)
    }

    /// Loads the weights of a checkpoint into an existing model of the same network (the optimizer state is left
    /// alone) and returns the checkpoint's info.
    public static func loadWeights(_ path: String, into model: MultiTaskModel) throws -> CheckpointInfo {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError(path, "no such file") }
        let file = try Safetensors.read(path)
        let metadata = try model.net.load(file, path: path)
        let info = try CheckpointInfo(metadata: metadata, path: path)
        model.studentTrained = info.studentEpoch > 0
        model.appearanceBank = try appearanceBank(in: file, config: info.network, path: path)
        try checkAppearance(info, bank: model.appearanceBank, path: path)
        return info
    }
}
