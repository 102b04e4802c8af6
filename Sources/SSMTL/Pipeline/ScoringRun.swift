import AtomicFile
import Detection
import Foundation
import NeuralNet
import VideoIO

/// How `ScoringRun` scores and what it writes.
public struct ScoringOptions: Sendable {
    /// Where `<video>.csv` (a score per frame) and `<video>.regions.txt` (a score per object) go.
    public var outputFolder: String
    /// Also `<video>.mp4` with boxes, heat map and score curve drawn, in this folder.
    public var overlayFolder: String?
    /// Also `<video>.objects.csv`: every object's standardised scores.
    public var objectTables = false
    /// Score videos whose outputs exist (otherwise they are skipped, so an interrupted batch can be run again).
    public var rescore = false
    /// Objects per network batch.
    public var batchSize = 64
    /// How frame scores are made from object scores; `sigma` nil = the σ the model chose on its validation replays
    /// (0 without one).
    public var frameScoring = FrameScorer.Settings()
    public var sigma: Double?
    /// Network threads (0 = all cores). Process-wide: scoring sets NeuralNet's thread plan.
    public var threads = 0

    public init(outputFolder: String) { self.outputFolder = outputFolder }
}

/// What a scoring run reports while it works, on the thread that called `ScoringRun.score`.
public enum ScoringEvent: Sendable {
    /// The temporal smoothing σ in use, and whether it is the one training chose.
    case sigma(Double, chosenByTraining: Bool)
    case videoStarted(name: String, frames: Int?)
    /// Frames decoded so far in the video.
    case progress(name: String, frames: Int)
    case videoFinished(name: String, frames: Int, timings: VideoScorer.Timings)
    case videoSkipped(name: String)
    /// The video could not be scored; the others still are. No output of it is left.
    case videoFailed(name: String, error: String)
    case warning(String)
}

public struct ScoringSummary: Sendable {
    public var scored = 0
    public var skipped = 0
    public var failed: [String] = []
    public var frames = 0
    public var seconds = 0.0
    /// Each stage's seconds, summed over the videos scored.
    public var timings = VideoScorer.Timings()
}

/// The run stopped because `isCancelled` said so; the videos finished before it keep their outputs.
public struct ScoringCancelled: Error, CustomStringConvertible {
    public let video: String
    public var description: String { "interrupted while scoring \(video); its outputs were not written" }
}

/// Scores videos with a trained model: decode -> detect -> crop -> network -> object scores -> frame scores, each
/// video streamed (memory does not grow with its length), its outputs written atomically.
public final class ScoringRun {
    public let modelPath: String
    public let model: MultiTaskModel
    public let info: CheckpointInfo
    public let statistics: HeadStatistics
    /// The detector: the one the model was trained with, unless changed before `score`.
    public var detectorSettings: DetectorSettings

    /// Loads the model; a file that is not a finished model is refused.
    public init(modelPath: String) throws {
        self.modelPath = modelPath
        (model, info, statistics) = try ModelCheckpoint.loadForScoring(modelPath)
        detectorSettings = try DetectorSettings(record: info.detector, source: "checkpoint \(modelPath)")
    }

    /// Scores `videos` into `options.outputFolder`. A video that fails is reported (`.videoFailed`) and the others are
    /// still scored; the summary lists the failures. Errors that concern every video (the detector's files, the
    /// output folders) are thrown.
    public func score(_ videos: [VideoSource], options: ScoringOptions, events: (ScoringEvent) -> Void = { _ in },
                      isCancelled: @escaping () -> Bool = { false }) throws -> ScoringSummary {
        Threads.configure(threads: options.threads, preferBLAS: false)
        try OutputPaths.makeFolder(options.outputFolder, what: "the output folder")
        if let overlay = options.overlayFolder { try OutputPaths.makeFolder(overlay, what: "the overlay folder") }
        let detector = try loadDetector(events: events)
        var settings = options.frameScoring
        settings.sigma = options.sigma ?? info.scoreSigma ?? 0
        if options.sigma == nil { events(.sigma(settings.sigma, chosenByTraining: info.scoreSigma != nil)) }

        var summary = ScoringSummary()
        let start = Date()
        for video in videos {
            let csv = Self.output(video, ".csv", in: options.outputFolder)
            let regions = Self.output(video, ".regions.txt", in: options.outputFolder)
            if !options.rescore && FileManager.default.fileExists(atPath: csv) && FileManager.default.fileExists(atPath: regions) {
                summary.skipped += 1
                events(.videoSkipped(name: video.name))
                continue
            }
            do {
                let result = try score(video, detector: detector, settings: settings, options: options, events: events, isCancelled: isCancelled)
                summary.scored += 1
                summary.frames += result.rows.count
                summary.timings.add(result.timings)
                events(.videoFinished(name: video.name, frames: result.rows.count, timings: result.timings))
            } catch let stop as ScoringCancelled {
                throw stop
            } catch {
                summary.failed.append(video.name)
                events(.videoFailed(name: video.name, error: String(describing: error)))
            }
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// The detector of `detectorSettings`, checked against the model's distillation target.
    private func loadDetector(events: (ScoringEvent) -> Void) throws -> LoadedDetector {
        let detector = try detectorSettings.load()
        for warning in detector.warnings { events(.warning(warning)) }
        guard detector.teacherWidth == info.teacherWidth else {
            let trained = info.detector.keys.sorted().filter { ["kind", "cfg", "weights", "teacher", "teacher_weights"].contains($0) }
                .map { "\($0)=\(info.detector[$0]!)" }.joined(separator: " ")
            throw CheckpointError(modelPath, "was trained with a distillation target of \(info.teacherWidth) values (\(trained)); score with the same detector and teacher")
        }
        if detectorSettings.record != info.detector {
            events(.warning("detector settings differ from training (\(info.detector.map { "\($0)=\($1)" }.sorted().joined(separator: " ")))"))
        }
        return detector
    }

    /// One video's outputs, each written whole or not at all.
    private func score(_ video: VideoSource, detector: LoadedDetector, settings: FrameScorer.Settings, options: ScoringOptions,
                       events: (ScoringEvent) -> Void, isCancelled: @escaping () -> Bool) throws -> VideoScorer.Result {
        let reader = try FrameReader(path: video.path)
        events(.videoStarted(name: video.name, frames: reader.info.frameCount))
        var scorerOptions = VideoScorer.Options()
        scorerOptions.batchSize = options.batchSize
        scorerOptions.frameScoring = settings
        let scorer = VideoScorer(detector: try detector.detector(for: video), scorer: model, statistics: statistics, options: scorerOptions)
        // Regions stream to their file as objects are scored (memory does not grow with the video); the overlay
        // needs them all afterwards, so it keeps them.
        let regionsFile = try RegionsFileWriter(path: Self.output(video, ".regions.txt", in: options.outputFolder))
        let objectsFile = options.objectTables
            ? try RegionsFileWriter(path: Self.output(video, ".objects.csv", in: options.outputFolder), withHeads: true) : nil
        let write: (ScoredObject) throws -> Void = { try regionsFile.write($0); try objectsFile?.write($0) }
        let result: VideoScorer.Result
        do {
            result = try scorer.score(reader, objects: options.overlayFolder == nil ? write : nil, isCancelled: isCancelled) {
                events(.progress(name: video.name, frames: $0))
            }
        } catch is TrainingStopped {
            throw ScoringCancelled(video: video.name)
        }
        for object in result.objects { try write(object) }
        try regionsFile.commit()
        try objectsFile?.commit()
        try ScoreFiles.writeFrameScores(result.rows, to: Self.output(video, ".csv", in: options.outputFolder))
        if let overlay = options.overlayFolder {
            var renderer = OverlayRenderer()
            renderer.block = settings.block
            try renderer.render(video: FrameReader(path: video.path), rows: result.rows, objects: result.objects,
                                to: Self.output(video, ".mp4", in: overlay))
        }
        return result
    }

    static func output(_ video: VideoSource, _ suffix: String, in folder: String) -> String {
        (folder as NSString).appendingPathComponent(video.name + suffix)
    }
}

extension VideoScorer.Timings {
    mutating func add(_ other: VideoScorer.Timings) {
        decode += other.decode; detect += other.detect; crop += other.crop; network += other.network; map += other.map
    }
}
