import AtomicFile
import Detection
import Evaluation
import Foundation
import VideoIO

/// Chooses the temporal smoothing σ of `ssmtl score` without test labels: the held-out validation videos (normal)
/// are replayed with fast-forwarded and reversed segments (`PseudoAnomalies`), scored with the trained model, and
/// the σ of the grid whose smoothed frame scores give the highest frame AUC on those segments wins (the smaller σ
/// on a tie).
public enum SigmaCalibration {
    public static let grid: [Double] = [0, 1, 2, 3, 5, 8, 12, 18]
    /// Frames read from each validation video (bounds time and temporary disk use).
    static let maxFrames = 900

    public struct Outcome: Sendable {
        public var sigma: Double
        /// AUC of each grid value, nil when undefined.
        public var aucs: [Double?]
        public var frames: Int

        /// Every σ's AUC as "sigma:auc,..." ("n/a" where undefined), as the model records it.
        public var table: String {
            zip(SigmaCalibration.grid, aucs).map { s, a in "\(s.formatted()):" + (a.map { String(format: "%.4f", $0) } ?? "n/a") }
                .joined(separator: ",")
        }
    }

    /// Replay folders are `<tmp>/ssmtl-sigma-<pid>-<uuid>`, removed when the calibration ends. A process killed
    /// outright (kill -9, a second Ctrl-C) cannot remove its own, so the next calibration removes the folders of
    /// processes that no longer exist.
    public static let folderPrefix = "ssmtl-sigma-"

    /// Replays `videos`, scores them with `model` and `statistics`, and returns the best σ; nil when no video is long
    /// enough to replay. `isCancelled` is polled between videos (`TrainingStopped`).
    static func run(model: ObjectScorer, statistics: HeadStatistics, videos: [VideoSource], batch: Int,
                    makeDetector: (VideoSource) throws -> ObjectDetector, isCancelled: () -> Bool) throws -> Outcome? {
        let temporary = FileManager.default.temporaryDirectory.path
        removeFoldersOfEndedProcesses(in: temporary, prefix: folderPrefix)
        let root = temporary + "/\(folderPrefix)\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var labels: [[UInt8]] = [], raw: [[Double]] = []
        for (v, video) in videos.enumerated() {
            if isCancelled() { throw TrainingStopped(epoch: -1) }
            // The source frames as lossless BMPs, then the replay as symbolic links in the planned order.
            let source = root + "/\(v)/source", replay = root + "/\(v)/replay"
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: replay, withIntermediateDirectories: true)
            let reader = try FrameReader(path: video.path)
            var count = 0
            while count < maxFrames, let frame = try reader.next() {
                try ImageFile.write(frame, to: source + String(format: "/%06d.bmp", count))
                count += 1
            }
            let plan = PseudoAnomalies.plan(frameCount: count)
            guard plan.labels.contains(1), plan.labels.contains(0) else { continue }
            for (i, s) in plan.frameOrder.enumerated() {
                try FileManager.default.createSymbolicLink(atPath: replay + String(format: "/%06d.bmp", i),
                                                           withDestinationPath: source + String(format: "/%06d.bmp", s))
            }
            let replayVideo = VideoSource(name: video.name, path: replay, isFrameFolder: true)
            var options = VideoScorer.Options()
            options.batchSize = batch
            let scorer = VideoScorer(detector: try makeDetector(replayVideo), scorer: model, statistics: statistics, options: options)
            let result = try scorer.score(FrameReader(path: replay))
            labels.append(plan.labels)
            raw.append(result.rows.map(\.score))
            try? FileManager.default.removeItem(atPath: root + "/\(v)")
        }
        guard !labels.isEmpty else { return nil }
        let allLabels = labels.flatMap { $0 }
        let aucs = grid.map { sigma in rocAUC(labels: allLabels, scores: raw.flatMap { smoothFrameScores($0, sigma: sigma) }) }
        var best = 0
        for i in aucs.indices where (aucs[i] ?? -1) > (aucs[best] ?? -1) { best = i }
        return Outcome(sigma: grid[best], aucs: aucs, frames: allLabels.count)
    }
}
