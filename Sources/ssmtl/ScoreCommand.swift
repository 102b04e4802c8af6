import ArgumentParser
import Detection
import Foundation
import NeuralNet
import SSMTL
import VideoIO

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score videos with a trained model: DIR/<video>.csv per frame and DIR/<video>.regions.txt per object.",
        discussion: """
            Streams each video (decode -> detect -> crop -> network in batches across frames), standardises each \
            head's score with the training statistics stored in the model (an ensemble averages its members' \
            standardised scores), averages the four heads and the appearance \
            score (distance of the object's encoder features to the nearest training object's; models trained \
            before it have none) into an object score, builds an anomaly map on a grid (every cell under a box takes the max of the boxes covering it), \
            optionally filters it in 3D, takes its max as the frame score and smooths it over time.
            <video>.csv: frame,score,aot,mi,mb,kd,app,jig for every frame (a frame without objects scores 0).
            <video>.regions.txt: frame_id,x_min,y_min,x_max,y_max,anomaly_score per object (RBDC/TBDC predictions).
            Outputs already present are skipped unless --force, so an interrupted batch can be re-run. A video that \
            fails is reported and the others are still scored; the exit code is then non-zero.
            """)

    @Argument(help: "Videos to score: files, frame folders, or folders of those.")
    var inputs: [String]

    @Option(help: "Trained model (.safetensors from `ssmtl train`).")
    var model: String

    @Option(help: "Output folder (created if missing).")
    var out: String

    @Option(help: "Anomaly-map cell size in pixels (1 = per pixel; each cell takes the max of the boxes touching it).")
    var block = FrameScorer.Settings().block

    @Option(name: .customLong("filter3d"), help: "Size K (odd) of a mean filter over (time, rows, columns) of the anomaly maps before each frame's max: K x K cells, and K frames unless --filter-frames says otherwise; 0 = off (1 with --filter-frames T filters over time only). The σ `ssmtl train` chooses assumes the defaults of --block and --filter3d.")
    var filter3D = FrameScorer.Settings().filter3D

    @Option(name: .customLong("filter-frames"), help: ArgumentHelp("Temporal length T (odd) of the mean filter in frames, so the filter is T x K x K. Default: K (a cube). The σ `ssmtl train` chooses assumes the default.", valueName: "T"))
    var filterFrames: Int?

    @Option(name: .customLong("filter-time"), help: "How the 3D filter combines its T frames: mean (the mean of the T x K x K box) | median (each map averaged over K x K cells, then every cell's median over the T frames, which removes a value lasting fewer than T/2 + 1 frames instead of diluting it). The σ `ssmtl train` chooses assumes the default.")
    var filterTime = FrameScorer.Settings().temporal.rawValue

    @Option(help: "Temporal Gaussian smoothing of the frame scores, standard deviation in frames; 0 = off. Default: the sigma `ssmtl train` chose on its validation videos (0 for a model without one).")
    var sigma: Double?

    @Flag(help: "Rescale each video's frame scores to [0, 1].")
    var normalize = false

    @Option(help: "Objects per network batch.")
    var batch = 64

    @Option(help: "Threads for the network and BLAS (0 = all cores).")
    var threads = 0

    @Option(help: "Also write DIR/<video>.mp4 with boxes, heat map and score curve drawn.")
    var overlay: String?

    @Flag(name: .customLong("object-heads"), help: "Also write DIR/<video>.objects.csv: frame,x_min,y_min,x_max,y_max,score,aot,mi,mb,kd,app,jig per object, the scores standardised with the model's training statistics.")
    var objectHeads = false

    @Flag(help: "Score again videos whose outputs exist.")
    var force = false

    @Flag(help: "Print the seconds spent in each stage (decode, detect, crop, network, map) and frames/s. Decode, detect and crop run on their own thread, overlapping the network: the stages add up to more than the total.")
    var timings = false

    @OptionGroup var detectorOptions: DetectorOptions

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard block >= 1 else { throw ValidationError("--block must be at least 1") }
        guard filter3D == 0 || (filter3D % 2 == 1 && filter3D <= 99) else { throw ValidationError("--filter3d must be 0 or an odd number up to 99") }
        if let filterFrames {
            guard filterFrames % 2 == 1 && (1...99).contains(filterFrames) else { throw ValidationError("--filter-frames must be an odd number from 1 to 99") }
        }
        guard TemporalReduction(rawValue: filterTime) != nil else {
            throw ValidationError("--filter-time must be one of \(TemporalReduction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let sigma {
            guard sigma >= 0, sigma <= FrameScoreSmoothing.maximumSigma else {
                throw ValidationError("--sigma must lie in 0...\(Int(FrameScoreSmoothing.maximumSigma))")
            }
        }
        guard (1...maximumBatch).contains(batch) else { throw ValidationError("--batch must lie in 1...\(maximumBatch)") }
        try validateThreadCount(threads)
    }

    func run() throws {
        Threads.configureForPipeline(threads: threads)
        let loaded = try ModelCheckpoint.loadForScoring(model)
        let info = loaded.info
        if loaded.memberCount > 1 { Terminal.note("score: an ensemble of \(loaded.memberCount) networks", quiet: quiet) }
        let videos = try discoverVideos(inputs)
        try makeOutputFolder(out, what: "the --out folder")
        if let overlay { try makeOutputFolder(overlay, what: "the --overlay folder") }
        let yolo = try detectorOptions.loadYOLO(quiet: quiet)
        let teacher = try detectorOptions.loadTeacher(quiet: quiet)
        guard detectorOptions.teacherWidth(of: yolo, teacher: teacher) == info.teacherWidth else {
            let trained = info.detector.keys.sorted().filter { ["kind", "cfg", "weights", "teacher", "teacher_weights"].contains($0) }
                .map { "\($0)=\(info.detector[$0]!)" }.joined(separator: " ")
            throw CheckpointError(model, "was trained with a distillation target of \(info.teacherWidth) values (\(trained)); score with the same --detector, --cfg/--weights and --teacher options")
        }
        if detectorOptions.settings != info.detector {
            Terminal.note("ssmtl: warning: detector settings differ from training (\(info.detector.map { "\($0)=\($1)" }.sorted().joined(separator: " ")))", quiet: quiet)
        }
        var options = VideoScorer.Options()
        options.batchSize = batch
        options.cropShape = info.cropShape
        let smoothing = sigma ?? info.scoreSigma ?? 0
        if sigma == nil {
            Terminal.note("score: sigma \(smoothing.formatted()) (\(info.scoreSigma == nil ? "the model has no calibrated sigma" : "chosen by train on its validation videos"))", quiet: quiet)
        }
        options.frameScoring = FrameScorer.Settings(block: block, filter3D: filter3D, filterFrames: filterFrames ?? FrameScorer.Settings().filterFrames,
                                                    temporal: TemporalReduction(rawValue: filterTime) ?? .mean,
                                                    sigma: smoothing, normalize: normalize)

        var failures: [String] = []
        var total = VideoScorer.Timings(), frames = 0, skipped = 0
        let start = Date()
        for video in videos {
            let csv = (out as NSString).appendingPathComponent("\(video.name).csv")
            let regions = (out as NSString).appendingPathComponent("\(video.name).regions.txt")
            if !force && FileManager.default.fileExists(atPath: csv) && FileManager.default.fileExists(atPath: regions) {
                skipped += 1
                continue
            }
            do {
                let reader = try FrameReader(path: video.path)
                let bar = ProgressBar(video.name, total: reader.info.frameCount, quiet: quiet)
                let scorer = VideoScorer(detector: try detectorOptions.detector(for: video, yolo: yolo, teacher: teacher), scorer: loaded.scorer,
                                         statistics: loaded.statistics, options: options)
                // Regions stream to their file as objects are scored (memory does not grow with the video); the
                // overlay needs them all afterwards, so it keeps them.
                let regionsFile = try RegionsFileWriter(path: regions)
                let objectsFile = objectHeads ? try RegionsFileWriter(path: (out as NSString).appendingPathComponent("\(video.name).objects.csv"), withHeads: true) : nil
                let write: (ScoredObject) throws -> Void = { try regionsFile.write($0); try objectsFile?.write($0) }
                let result = try scorer.score(reader, objects: overlay == nil ? write : nil) {
                    bar.advance(by: $0 - bar.count)
                }
                bar.finish()
                for object in result.objects { try write(object) }
                try regionsFile.commit()
                try objectsFile?.commit()
                try ScoreFiles.writeFrameScores(result.rows, to: csv)
                if let overlay {
                    var renderer = OverlayRenderer()
                    renderer.block = block
                    try renderer.render(video: FrameReader(path: video.path), rows: result.rows, objects: result.objects,
                                        to: (overlay as NSString).appendingPathComponent("\(video.name).mp4"))
                }
                frames += result.rows.count
                total.decode += result.timings.decode; total.detect += result.timings.detect; total.crop += result.timings.crop
                total.network += result.timings.network; total.map += result.timings.map
            } catch {
                Terminal.error("\(video.name): \(error)")
                failures.append(video.name)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        Terminal.note(String(format: "score: %d videos, %d frames in %.1f s (%.1f frames/s)%@", videos.count - failures.count - skipped,
                             frames, seconds, Double(frames) / max(seconds, 1e-9), skipped > 0 ? ", \(skipped) already scored (use --force to redo)" : ""),
                      quiet: quiet)
        if timings {
            let stages = [("decode", total.decode), ("detect", total.detect), ("crop", total.crop), ("network", total.network), ("map", total.map)]
            print("timings_s " + stages.map { String(format: "%@=%.2f", $0.0, $0.1) }.joined(separator: " ") + String(format: " total=%.2f frames=%d frames_per_s=%.1f", seconds, frames, Double(frames) / max(seconds, 1e-9)))
        }
        if !failures.isEmpty {
            Terminal.error("\(failures.count) of \(videos.count) videos failed: \(failures.joined(separator: ", "))")
            throw ExitCode.failure
        }
    }
}
