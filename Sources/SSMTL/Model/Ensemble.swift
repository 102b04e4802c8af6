import Foundation
import NeuralNet

/// Several independently trained networks scoring as one (a deep ensemble, `train --members K`): every object's
/// scores are standardised with each member's own training statistics, then averaged over the members. Averaging
/// networks that differ only in their seed keeps what they agree on and cuts what one seed happens to learn.
public final class EnsembleScorer: ObjectScorer {
    public struct Member {
        public let scorer: ObjectScorer
        public let statistics: HeadStatistics
        public init(scorer: ObjectScorer, statistics: HeadStatistics) {
            self.scorer = scorer
            self.statistics = statistics
        }
    }

    public let members: [Member]

    /// The members must crop alike and combine the same scores; `EnsembleCheckpoint.load` checks this with a clear error.
    public init(members: [Member]) {
        precondition(!members.isEmpty, "an ensemble needs a member")
        precondition(members.allSatisfy { $0.scorer.cropSide == members[0].scorer.cropSide && $0.statistics.weights == members[0].statistics.weights },
                     "ensemble members must share the crop side and the scores they combine")
        self.members = members
    }

    public var cropSide: Int { members[0].scorer.cropSide }

    /// What `VideoScorer` standardises the returned scores with: nothing more (they are on the common scale already).
    public var statistics: HeadStatistics { .identity(weights: members[0].statistics.weights) }

    /// Per object: the members' standardised scores, averaged.
    public func scores(for batch: ObjectBatch) throws -> [HeadScores] {
        let n = batch.forward.count, width = HeadScores.names.count
        var sums = [Float](repeating: 0, count: n * width)
        for member in members {
            let raw = try member.scorer.scores(for: batch)
            precondition(raw.count == n, "the scorer must return one result per object")
            for i in 0..<n {
                let z = member.statistics.standardize(raw[i])
                for h in 0..<width { sums[i * width + h] += z[h] }
            }
        }
        let k = Float(members.count)
        return (0..<n).map { i in HeadScores(values: (0..<width).map { sums[i * width + $0] / k }) }
    }
}

/// A model ready to score: one network or an ensemble, the statistics `VideoScorer` standardises its scores with,
/// and the checkpoint info the scoring options come from (crop shape, detector, teacher width, sigma).
public struct ScoringModel {
    public let scorer: ObjectScorer
    public let statistics: HeadStatistics
    /// The first member's info, with the ensemble's sigma for an ensemble.
    public let info: CheckpointInfo
    public let memberCount: Int
}

/// An ensemble in one safetensors file: member k's tensors under `member<k>.` and its metadata keys under
/// `member<k>.`, beside `format = ssmtl-ensemble-1`, `members = K` and the ensemble's scoring sigma. Python's
/// `safetensors` reads it like any checkpoint.
public enum EnsembleCheckpoint {
    static let format = "ssmtl-ensemble-1"
    static let maximumMembers = 16

    static func prefix(_ k: Int) -> String { "member\(k)." }

    /// Writes the finished member checkpoints `memberPaths` (in order) as one ensemble file, atomically.
    public static func write(members memberPaths: [String], scoreSigma: Double?, sigmaValidation: String?, to path: String) throws {
        guard (1...maximumMembers).contains(memberPaths.count) else {
            throw CheckpointError(path, "an ensemble holds 1 to \(maximumMembers) members, not \(memberPaths.count)")
        }
        var metadata = ["format": format, "members": "\(memberPaths.count)"]
        if let scoreSigma { metadata["score_sigma"] = "\(scoreSigma)" }
        if let sigmaValidation { metadata["score_sigma_validation_auc"] = sigmaValidation }
        var tensors: [NamedTensor] = []
        for (i, memberPath) in memberPaths.enumerated() {
            let file = try Safetensors.read(memberPath)
            guard file.metadata["format"] == CheckpointInfo.format else {
                throw CheckpointError(memberPath, "is not a single-network ssmtl checkpoint and cannot be an ensemble member")
            }
            let p = prefix(i + 1)
            for (key, value) in file.metadata { metadata[p + key] = value }
            // Optimizer and averaging state only matter for resuming a member, which uses the member's own file.
            for name in file.order where !name.hasPrefix("adam.") && !name.hasPrefix("student_adam.") && !name.hasPrefix("ema.") {
                var t = file.tensors[name]!
                t.name = p + name
                tensors.append(t)
            }
        }
        try Safetensors.write(tensors, metadata: metadata, to: path)
    }

    /// Whether a parsed file is an ensemble (as opposed to a single network's checkpoint).
    static func isEnsemble(_ file: SafetensorsFile) -> Bool { file.metadata["format"] == format }

    /// The members of an ensemble file, each as the checkpoint file it was made from.
    static func memberFiles(of file: SafetensorsFile, path: String) throws -> [SafetensorsFile] {
        guard let text = file.metadata["members"], let count = Int(text), (1...maximumMembers).contains(count) else {
            throw CheckpointError(path, "ensemble metadata 'members' must be a count from 1 to \(maximumMembers) (it is \(file.metadata["members"].map { "'\($0)'" } ?? "missing"))")
        }
        var members = (1...count).map { _ in SafetensorsFile(metadata: [:], tensors: [:], order: []) }
        func member(of key: String) -> (index: Int, rest: String)? {
            guard key.hasPrefix("member"), let dot = key.firstIndex(of: "."),
                  let k = Int(key[key.index(key.startIndex, offsetBy: 6)..<dot]), (1...count).contains(k) else { return nil }
            return (k - 1, String(key[key.index(after: dot)...]))
        }
        for (key, value) in file.metadata where key.hasPrefix("member") && key != "members" {
            guard let (k, rest) = member(of: key) else { throw CheckpointError(path, "ensemble metadata key '\(key)' names no member of \(count)") }
            members[k].metadata[rest] = value
        }
        for name in file.order {
            guard let (k, rest) = member(of: name) else { throw CheckpointError(path, "ensemble tensor \(name) names no member of \(count)") }
            var t = file.tensors[name]!
            t.name = rest
            members[k].tensors[rest] = t
            members[k].order.append(rest)
        }
        return members
    }
}

extension ModelCheckpoint {
    /// Loads a finished model for scoring: a single network's checkpoint or an ensemble file (its members checked by
    /// `ensemble(of:)`).
    public static func loadForScoring(_ path: String) throws -> ScoringModel {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError(path, "no such file") }
        let file = try Safetensors.read(path)
        guard EnsembleCheckpoint.isEnsemble(file) else {
            let (model, info) = try load(file, path: path)
            return ScoringModel(scorer: model, statistics: try finishedStatistics(info, path: path), info: info, memberCount: 1)
        }
        let memberFiles = try EnsembleCheckpoint.memberFiles(of: file, path: path)
        var (ensemble, info) = try ensemble(of: memberFiles.enumerated().map { ($1, "\(path) member \($0 + 1)") })
        info.scoreSigma = nil
        info.scoreSigmaValidation = file.metadata["score_sigma_validation_auc"]
        if let text = file.metadata["score_sigma"] {
            guard let sigma = Double(text), sigma >= 0, sigma <= FrameScoreSmoothing.maximumSigma else {
                throw CheckpointError(path, "metadata 'score_sigma' must lie in 0...\(Int(FrameScoreSmoothing.maximumSigma))")
            }
            info.scoreSigma = sigma
        }
        return ScoringModel(scorer: ensemble, statistics: ensemble.statistics, info: info, memberCount: memberFiles.count)
    }

    /// The finished member checkpoints `paths` as one scorer (`train --members`, before the ensemble file exists).
    public static func loadEnsemble(members paths: [String]) throws -> EnsembleScorer {
        try ensemble(of: paths.map { (try Safetensors.read($0), $0) }).scorer
    }

    /// Parsed member checkpoints (`name` names each in errors) as one scorer, and the first member's info. Members
    /// that would score inconsistently (another crop, detector or set of scores) are refused, naming the member.
    static func ensemble(of files: [(file: SafetensorsFile, name: String)]) throws -> (scorer: EnsembleScorer, info: CheckpointInfo) {
        var members: [EnsembleScorer.Member] = []
        var first: CheckpointInfo?
        for (file, name) in files {
            let (model, info) = try load(file, path: name)
            let statistics = try finishedStatistics(info, path: name)
            if let first {
                guard info.network.cropSize == first.network.cropSize, info.cropShape == first.cropShape,
                      info.teacherWidth == first.teacherWidth, info.detector == first.detector,
                      statistics.weights == members[0].statistics.weights,
                      statistics.calibration == members[0].statistics.calibration else {
                    throw CheckpointError(name, "was trained with another crop, detector, set of scores or score calibration than member 1; an ensemble's members must score alike")
                }
            } else {
                first = info
            }
            members.append(EnsembleScorer.Member(scorer: model, statistics: statistics))
        }
        guard let first else { throw CheckpointError("(ensemble)", "an ensemble needs a member") }
        return (EnsembleScorer(members: members), first)
    }

    private static func finishedStatistics(_ info: CheckpointInfo, path: String) throws -> HeadStatistics {
        guard let statistics = info.headStatistics else {
            throw CheckpointError(path, "has no head statistics (training did not finish): use the model written at the end of `ssmtl train`")
        }
        return statistics
    }
}
