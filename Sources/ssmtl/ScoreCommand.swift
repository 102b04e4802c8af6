import ArgumentParser
import Foundation
import SSMTL
import VideoIO

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score videos with a trained model: an anomaly score per frame and per object.",
        discussion: """
            Each object is scored on five counts (arrow of time, motion irregularity, middle frame, distillation, \
            appearance) in standard deviations of the normal objects, takes the largest, averaged over the boxes \
            overlapping it (IoU >= 0.5) 3 frames either side. A frame's score is the highest object score over its \
            pixels, smoothed in space and time; a region's, its object's. Per video:
              DIR/<video>.csv: frame,score,aot,mi,mb,kd,app (a row per frame, from 0)
              DIR/<video>.regions.txt: frame_id,x_min,y_min,x_max,y_max,anomaly_score
              DIR/<video>.events.csv: the anomalous events, highest first (columns: README)
            An event is a run of frames above a threshold (runs under --event-gap frames apart joined, events \
            under --event-min-frames dropped), set on normal footage: the score that --false-alarm-percent of \
            the model's held-out normal frames exceed, or --threshold. DIR/events.json says which.
            The detector is the model's own; an object overlapping one scored in the previous frame takes its \
            scores. Videos whose outputs exist are skipped (--force scores them again), so an interrupted batch \
            continues where it stopped. A video that fails is reported, the others scored, and the exit status \
            is 1. Slurm job arrays: --shard, Scripts/slurm/score.sbatch.
            """)

    @Argument(help: "Videos: files, frame folders, or folders of those.")
    var inputs: [String]

    @Option(help: ArgumentHelp("The trained model (.safetensors from ssmtl train).", valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("Output folder (created if missing).", valueName: "dir"))
    var out: String

    @Option(help: "Temporal smoothing of the frame scores: a Gaussian of this standard deviation in frames, kept within the raw scores 3 frames either side (0 = none). Default: the value training chose for this scene.")
    var sigma: Double?

    @Option(help: ArgumentHelp("Also write <video>.mp4 into this folder with boxes, heat map and score curve drawn.", valueName: "dir"))
    var overlay: String?

    @Flag(name: .customLong("object-heads"), help: "Also write DIR/<video>.objects.csv: every object's box, region score and five standardised scores.")
    var objectHeads = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Event threshold: a frame score (the score column).", valueName: "score"))
    var threshold: Double?

    @Option(name: .customLong("false-alarm-percent"), parsing: .unconditional, help: ArgumentHelp("Percentage of normal frames above the event threshold (0...50; lower = fewer false alarms, more missed events). Default: the model's (0.5 unless train was told otherwise).", valueName: "percent"))
    var falseAlarmPercent: Double?

    @Option(name: .customLong("event-gap"), parsing: .unconditional, help: ArgumentHelp("Join runs above the threshold fewer than this many frames apart.", valueName: "frames"))
    var eventGap = EventRules.defaultMinimumGap

    @Option(name: .customLong("event-min-frames"), parsing: .unconditional, help: ArgumentHelp("Drop events of fewer frames.", valueName: "frames"))
    var eventMinFrames = EventRules.defaultMinimumFrames

    @Flag(help: "Also write DIR/<video>.npy (frame scores, float32).")
    var npy = false

    @Flag(help: "Score again videos whose outputs exist.")
    var force = false

    // .unconditional: "--shard -1/3" reaches validate() and gets its own message instead of reading as an option.
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Score only shard K of N (K from 0): the videos sorted by name, every N-th from the K-th. N processes with K = 0...N-1 score each video once.",
                               valueName: "k/n"))
    var shard: String?

    @Flag(help: "Print the seconds spent in each stage (decode, detect, crop, network, map) and the frames/s.")
    var timings = false

    @Option(help: "Threads (0 = all cores).")
    var threads = 0

    @Option(name: .customLong("appearance-weights"), help: ArgumentHelp("Where the COCO weights of a model trained with --appearance-weights are now, if they moved (same checksum).", valueName: "weights", visibility: .hidden))
    var appearanceWeights: String?

    @OptionGroup var detectorOptions: DetectorOptions<Hidden, Hidden>
    @OptionGroup var teacherOptions: TeacherOptions
    @OptionGroup var expert: ExpertScoringOptions

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        if let sigma {
            guard sigma >= 0, sigma <= FrameScoreSmoothing.maximumSigma else {
                throw ValidationError("--sigma must lie in 0...\(Int(FrameScoreSmoothing.maximumSigma))")
            }
        }
        try validateThreadCount(threads)
        _ = try parsedShard()
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be a finite number") }
        if let falseAlarmPercent {
            guard NormalFrameScores.falseAlarmPercentRange.contains(falseAlarmPercent) else {
                throw ValidationError("--false-alarm-percent must lie in 0...50")
            }
            guard threshold == nil else { throw ValidationError("give --threshold or --false-alarm-percent, not both") }
        }
        guard eventGap >= 0 else { throw ValidationError("--event-gap must be 0 or more") }
        guard eventMinFrames >= 1 else { throw ValidationError("--event-min-frames must be at least 1") }
    }

    /// The --shard value read, or nil without one; a malformed one is a usage error.
    private func parsedShard() throws -> Shard? {
        guard let shard else { return nil }
        do { return try Shard(parsing: shard) } catch let error as ShardError { throw ValidationError("--shard \(error)") }
    }

    func run() throws {
        let scoring = try ScoringRun(modelPath: model)
        let inputVideos = try discoverVideos(inputs)
        let shard = try parsedShard()
        let videos = shard.map { $0.videos(of: inputVideos) } ?? inputVideos
        scoring.detectorSettings = teacherOptions.applied(to: detectorOptions.applied(to: scoring.detectorSettings))
        var options = ScoringOptions(outputFolder: out)
        options.overlayFolder = overlay
        options.objectTables = objectHeads
        options.rescore = force
        options.sigma = sigma
        options.threads = threads
        options.threshold = threshold
        options.falseAlarmPercent = falseAlarmPercent
        options.minimumEventGap = eventGap
        options.minimumEventFrames = eventMinFrames
        options.writeNpy = npy
        options.appearanceWeights = appearanceWeights
        options.batchSize = expert.batch
        options.frameScoring = FrameScorer.Settings(block: expert.block, filter3D: expert.filter3D, normalize: expert.normalize)
        let progress = ScoreProgress(quiet: quiet)
        if let shard { progress.shard(shard, videos: videos.count, of: inputVideos.count) }
        let summary = try scoring.score(videos, options: options, events: progress.report)
        progress.finished(summary, videos: videos.count, timings: timings)
        if !summary.failed.isEmpty {
            // One video: its own line said it all.
            if videos.count > 1 { Terminal.error("\(summary.failed.count) of \(videos.count) videos failed: \(summary.failed.joined(separator: ", "))") }
            throw ExitCode.failure
        }
    }
}

/// How frame scores are made, for experts (shown by --help-hidden). The σ that training chooses assumes the defaults.
struct ExpertScoringOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Objects per network batch.", visibility: .hidden))
    var batch = 64

    @Option(help: ArgumentHelp("Anomaly-map cell size in pixels (1 = per pixel; each cell takes the max of the boxes touching it).", visibility: .hidden))
    var block = FrameScorer.Settings().block

    @Option(name: .customLong("filter3d"), help: ArgumentHelp("Side K (odd) of the K x K x K mean filter over the anomaly maps (frames, rows, columns) before each frame's max; 0 = off.", visibility: .hidden))
    var filter3D = FrameScorer.Settings().filter3D

    @Flag(help: ArgumentHelp("Rescale each video's frame scores to [0, 1] (the convention of some research code; it assumes every video holds an anomaly).", visibility: .hidden))
    var normalize = false

    func validate() throws {
        guard (1...maximumBatch).contains(batch) else { throw ValidationError("--batch must lie in 1...\(maximumBatch)") }
        guard block >= 1 else { throw ValidationError("--block must be at least 1") }
        guard filter3D == 0 || (filter3D % 2 == 1 && filter3D <= 99) else { throw ValidationError("--filter3d must be 0 or an odd number up to 99") }
    }
}

/// Prints a scoring run's events: a progress bar per video on a terminal, a line per failed video, a summary.
final class ScoreProgress {
    private let quiet: Bool
    private var bar: ProgressBar?

    init(quiet: Bool) { self.quiet = quiet }

    func report(_ event: ScoringEvent) {
        switch event {
        case .sigma(let sigma, let chosen):
            Terminal.note("score: sigma \(sigma.formatted()) (\(chosen ? "chosen by train on its validation videos" : "the model has no calibrated sigma"))", quiet: quiet)
        case .videoStarted(let name, let frames):
            bar = ProgressBar(name, total: frames, quiet: quiet)
        case .progress(_, let frames):
            bar?.advance(to: frames)
        case .videoFinished:
            bar?.finish()
            bar = nil
        case .videoSkipped:
            break
        case .threshold(let threshold, let source):
            if let threshold {
                Terminal.note("score: event threshold \(String(format: "%.4g", threshold)) (\(source))", quiet: quiet)
            } else {
                Terminal.note("ssmtl: warning: \(source)", quiet: quiet)
            }
        case .videoFailed(let name, let error):
            bar?.finish()
            bar = nil
            // The error names the file (or an output file) in most cases: then the name would only repeat it.
            Terminal.error(error.contains(name) ? error : "\(name): \(error)")
        case .warning(let text):
            Terminal.note("ssmtl: warning: \(text)", quiet: quiet)
        }
    }

    func shard(_ shard: Shard, videos: Int, of all: Int) {
        Terminal.note("score: shard \(shard) scores \(videos) of the \(all) videos", quiet: quiet)
    }

    func finished(_ s: ScoringSummary, videos: Int, timings: Bool) {
        Terminal.note(String(format: "score: %d videos, %d frames in %.1f s (%.1f frames/s)%@", s.scored, s.frames, s.seconds,
                             Double(s.frames) / max(s.seconds, 1e-9), s.skipped > 0 ? ", \(s.skipped) already scored (use --force to redo)" : ""),
                      quiet: quiet)
        guard timings else { return }
        let t = s.timings
        let stages = [("decode", t.decode), ("detect", t.detect), ("crop", t.crop), ("network", t.network), ("map", t.map)]
        print("timings_s " + stages.map { String(format: "%@=%.2f", $0.0, $0.1) }.joined(separator: " ")
              + String(format: " total=%.2f frames=%d frames_per_s=%.1f", s.seconds, s.frames, Double(s.frames) / max(s.seconds, 1e-9)))
    }
}
