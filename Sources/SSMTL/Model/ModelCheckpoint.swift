import Foundation
import NeuralNet

/// Checkpoints in the safetensors format, written by the network itself (`MultiTaskNet.save`): the state dict
/// under PyTorch-style names (`encoder.0.weight`, `aot.1.running_mean`, ...), for training checkpoints the Adam
/// moments (`adam.m.<name>`, `adam.v.<name>`, `adam_step`), and the run's `CheckpointInfo` in `__metadata__`.
public enum ModelCheckpoint {
    /// With `includeOptimizer` (a training checkpoint, to resume from) the Adam states are saved too.
    public static func save(_ model: MultiTaskModel, info: CheckpointInfo, to path: String, includeOptimizer: Bool) throws {
        let extra = model.appearanceBank.map {
            [NamedTensor(name: AppearanceBank.tensorName, shape: [$0.count, $0.dimension], values: $0.entries)]
        } ?? []
        try model.net.save(to: path, metadata: info.metadata, optimizer: includeOptimizer ? model.optimizer : nil,
                           studentOptimizer: includeOptimizer ? model.studentOptimizer : nil, extra: extra)
    }

    /// The appearance bank of a checkpoint file (nil when it has none), checked against the size of the features it
    /// records (the network's own, or the COCO features').
    static func appearanceBank(in file: SafetensorsFile, info: CheckpointInfo, path: String) throws -> AppearanceBank? {
        guard let t = file.tensors[AppearanceBank.tensorName] else { return nil }
        let config = info.network
        let dimension = info.appearanceWeights != nil ? PretrainedAppearance.dimension
            : config.encoderChannels * (config.mapSize / 2) * (config.mapSize / 2)
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
        // (`ema.*`: an older training checkpoint's averaged weights, which only its own version could resume with.)
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
        model.appearanceBank = try appearanceBank(in: file, info: info, path: path)
        try checkAppearance(info, bank: model.appearanceBank, path: path)
        return (model, info)
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
        model.appearanceBank = try appearanceBank(in: file, info: info, path: path)
        try checkAppearance(info, bank: model.appearanceBank, path: path)
        return info
    }
}
