import AtomicFile
import Detection
import Evaluation
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
    /// The event threshold as a frame score; nil = set from the model's normal validation frames.
    public var threshold: Double?
    /// The share (percent) of normal validation frames the threshold lets through; nil = the model's (train's).
    public var falseAlarmPercent: Double?
    /// How runs of frames above the threshold make events (`EventRules`; its threshold is set by the run).
    public var minimumEventGap = EventRules.defaultMinimumGap
    public var minimumEventFrames = EventRules.defaultMinimumFrames
    /// Also `<video>.npy`: the frame scores as a float32 array.
    public var writeNpy = false
    /// Where the COCO weights of a model with COCO appearance features are (nil: the path train was given).
    public var appearanceWeights: String?
    /// An object matching one the network scored in the previous frame takes its scores (`VideoScorer.Options`);
    /// false runs the network on every object.
    public var reuseScores = true

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
    /// The event threshold in use and how it was set; nil when none is known (no events are written).
    case threshold(Double?, source: String)
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
        // A run killed outright (kill -9) leaves its temporaries; they are never taken for outputs, but go now.
        for folder in [options.outputFolder, options.overlayFolder].compactMap({ $0 }) {
            for name in removeTemporariesOfEndedProcesses(in: folder) {
                events(.warning("removed \((folder as NSString).appendingPathComponent(name)), the unfinished file of a run that was killed"))
            }
        }
        let detector = try loadDetector(events: events)
        try loadAppearance(from: options.appearanceWeights, events: events)
        var settings = options.frameScoring
        settings.sigma = options.sigma ?? info.scoreSigma ?? 0
        if options.sigma == nil { events(.sigma(settings.sigma, chosenByTraining: info.scoreSigma != nil)) }
        let eventSettings = try self.eventRules(options: options, sigma: settings.sigma, events: events)
        let eventRules = eventSettings?.0
        // DIR/events.json describes the events files: written just before the first one, so a run that scores
        // nothing leaves nothing, and no kill can leave an events file without it.
        var eventSettingsWritten = false
        let writeEventSettings: () throws -> Void = {
            guard let (rules, source, _) = eventSettings, !eventSettingsWritten else { return }
            try EventSettings(rules: rules, source: source, sigma: settings.sigma).write(to: Self.eventSettingsPath(options))
            eventSettingsWritten = true
        }

        var summary = ScoringSummary()
        let start = Date()
        for video in videos {
            let written = Self.outputPaths(video, options: options, events: eventRules != nil).allSatisfy { FileManager.default.fileExists(atPath: $0) }
            if !options.rescore && written {
                summary.skipped += 1
                events(.videoSkipped(name: video.name))
                continue
            }
            do {
                let result = try score(video, detector: detector, settings: settings, eventRules: eventRules, options: options,
                                       events: events, isCancelled: isCancelled, beforeEvents: writeEventSettings)
                summary.scored += 1
                summary.frames += result.rows.count
                summary.timings.add(result.timings)
                events(.videoFinished(name: video.name, frames: result.rows.count, timings: result.timings))
            } catch let stop as ScoringCancelled {
                throw stop
            } catch {
                // No output of a failed video stays (a write that failed after others were committed, or --force
                // over earlier outputs): it is scored again by the next run.
                for path in Self.outputPaths(video, options: options, events: true) { unlink(path) }
                summary.failed.append(video.name)
                events(.videoFailed(name: video.name, error: String(describing: error)))
            }
        }
        summary.seconds = Date().timeIntervalSince(start)
        if let earlier = eventSettings?.changedFrom, summary.skipped > 0 {
            events(.warning("the \(summary.skipped) videos scored before keep events made with threshold \(String(format: "%.6g", earlier.threshold)), sigma \(earlier.sigma.formatted()), gap \(earlier.minimumGapFrames), length \(earlier.minimumEventFrames) (--force scores them again)"))
        }
        return summary
    }

    /// The COCO appearance features of a model trained with them (`PretrainedAppearance`), read from `path` or from
    /// the file train was given, and refused unless their checksum is the one the model recorded.
    private func loadAppearance(from path: String?, events: (ScoringEvent) -> Void) throws {
        guard let recorded = info.appearanceWeights else {
            if let path { events(.warning("--appearance-weights \(path) is not used: the model's appearance features are the network's own")) }
            return
        }
        let file = path ?? recorded.path
        if let loaded = model.pretrainedAppearance, loaded.weightsPath == file { return }
        guard FileManager.default.fileExists(atPath: file) else {
            throw CheckpointError(modelPath, "its appearance features need the COCO YOLOv3-tiny weights it was trained with (\(file), crc32 \(recorded.checksum)), which are not there: give their path with --appearance-weights (Scripts/fetch_models.sh fetches them)")
        }
        let network = try PretrainedAppearance(weightsPath: file, side: model.cropSide)
        guard network.checksum == recorded.checksum else {
            throw CheckpointError(modelPath, "was trained with appearance weights of crc32 \(recorded.checksum), but \(file) has crc32 \(network.checksum)")
        }
        model.pretrainedAppearance = network
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

    /// The event rules of this run; nil (and no events) when the model has no normal frame scores and no `threshold`
    /// is given.
    /// Also how the threshold was set, and the folder's earlier settings when they differ (videos skipped keep
    /// events made with those).
    private func eventRules(options: ScoringOptions, sigma: Double,
                            events: (ScoringEvent) -> Void) throws -> (EventRules, source: String, changedFrom: EventSettings?)? {
        let threshold: Double, source: String
        if let given = options.threshold {
            (threshold, source) = (given, "given (--threshold)")
        } else if let normal = info.normalFrameScores {
            let percent = options.falseAlarmPercent ?? info.falseAlarmPercent
            guard let measured = normal.threshold(falseAlarmPercent: percent, sigma: sigma) else { return nil }
            (threshold, source) = (measured, normal.description(falseAlarmPercent: percent))
        } else {
            events(.threshold(nil, source: "the model has no normal frame scores (trained by an earlier version): no events are written unless --threshold is given"))
            return nil
        }
        events(.threshold(threshold, source: source))
        let rules = EventRules(threshold: threshold, minimumGap: options.minimumEventGap, minimumFrames: options.minimumEventFrames)
        let earlier = try? EventSettings.read(path: Self.eventSettingsPath(options))
        return (rules, source, earlier.flatMap { $0.rules != rules || $0.sigma != sigma ? $0 : nil })
    }

    /// One video's outputs, each written whole or not at all.
    private func score(_ video: VideoSource, detector: LoadedDetector, settings: FrameScorer.Settings, eventRules: EventRules?,
                       options: ScoringOptions, events: (ScoringEvent) -> Void,
                       isCancelled: @escaping () -> Bool, beforeEvents: () throws -> Void) throws -> VideoScorer.Result {
        let reader = try FrameReader(path: video.path)
        events(.videoStarted(name: video.name, frames: reader.info.frameCount))
        var scorerOptions = VideoScorer.Options()
        scorerOptions.batchSize = options.batchSize
        scorerOptions.frameScoring = settings
        scorerOptions.reuseScores = options.reuseScores
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
        if options.writeNpy {
            try ScoreFiles.writeFrameScoresNpy(result.rows, to: Self.output(video, ".npy", in: options.outputFolder))
        }
        if let eventRules {
            try beforeEvents()
            let found = AnomalyEvents.find(scores: result.rows.map(\.score), timestamps: result.timestamps,
                                           peakBoxes: result.topBoxes, rules: eventRules)
            try writeFileAtomically(Data(AnomalyEvents.csv(found).utf8), to: Self.output(video, EventFileFormat.suffix, in: options.outputFolder))
        }
        if let overlay = options.overlayFolder {
            var renderer = OverlayRenderer()
            renderer.block = settings.block
            try renderer.render(video: FrameReader(path: video.path), rows: result.rows, objects: result.objects,
                                to: Self.output(video, ".mp4", in: overlay))
        }
        // The frame scores last: a video counts as scored when every output exists, and a run killed before this
        // rename scores it again.
        try ScoreFiles.writeFrameScores(result.rows, to: Self.output(video, ".csv", in: options.outputFolder))
        return result
    }

    /// The files `options` asks for of `video` (with `events`: its events file too): the video counts as scored when
    /// they all exist.
    static func outputPaths(_ video: VideoSource, options: ScoringOptions, events: Bool) -> [String] {
        var suffixes = [".csv", ".regions.txt"]
        if events { suffixes.append(EventFileFormat.suffix) }
        if options.writeNpy { suffixes.append(".npy") }
        if options.objectTables { suffixes.append(".objects.csv") }
        var paths = suffixes.map { output(video, $0, in: options.outputFolder) }
        if let overlay = options.overlayFolder { paths.append(output(video, ".mp4", in: overlay)) }
        return paths
    }

    static func eventSettingsPath(_ options: ScoringOptions) -> String {
        (options.outputFolder as NSString).appendingPathComponent(EventSettings.fileName)
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
