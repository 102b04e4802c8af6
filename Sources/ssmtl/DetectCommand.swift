import ArgumentParser
import AtomicFile
import Detection
import Foundation
import NeuralNet
import VideoIO

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Detect objects in videos and write DIR/<video>.csv (frame,x1,y1,x2,y2,confidence,class).",
        discussion: """
            INPUT is a video file, a folder of frames (one video), or a folder of those. Frames are 0-based and boxes are \
            inclusive pixel coordinates. --detector motion (default) needs no weights; --detector yolo needs --cfg and \
            --weights (Darknet format).
            """)

    @Argument(help: "Video files, frame folders, or folders of those.")
    var inputs: [String]

    @Option(help: "Output folder for the CSV files (created if missing).")
    var out: String

    @OptionGroup var detectorOptions: DetectorOptions<Shown, Shown>

    @Option(help: "yolo: per-class NMS IoU threshold.")
    var nms: Float = 0.45

    @Option(help: "yolo: how frames are fitted to the network: letterbox (aspect kept, grey bars) | stretch.")
    var resize: String = "letterbox"

    @Flag(name: .customLong("no-prepass"), help: "motion: skip the first pass that estimates each video's background (median of 48 sampled frames); learn it online from the first frame instead.")
    var noPrepass = false

    @Option(help: "Also write DIR/<video>.mp4 with the boxes drawn.")
    var overlay: String?

    @Option(help: "Threads (0 = all cores). YOLO alone detects a frame per thread at once.")
    var threads = 0

    @Flag(help: "Print the Darknet layer table (yolo).")
    var verbose = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard nms >= 0, nms <= 1 else { throw ValidationError("--nms must be in [0, 1]") }
        try validateThreadCount(threads)
        guard ResizeMode(rawValue: resize) != nil else { throw ValidationError("--resize must be letterbox or stretch") }
    }

    func run() throws {
        let videos = try discoverVideos(inputs)
        try OutputPaths.makeFolder(out, what: "the --out folder")
        if let overlay { try OutputPaths.makeFolder(overlay, what: "the --overlay folder") }
        // The unfinished files of a run killed outright (kill -9).
        for folder in [out, overlay].compactMap({ $0 }) { removeTemporariesOfEndedProcesses(in: folder) }
        var settings = try detectorOptions.settingsFromDefaults()
        settings.nms = nms
        settings.resize = ResizeMode(rawValue: resize)!
        settings.prepass = !noPrepass
        let loaded = try settings.load()
        for warning in loaded.warnings { Terminal.note("ssmtl: warning: \(warning)", quiet: quiet) }
        let yolo = loaded.yolo
        if verbose, let yolo { Terminal.note(yolo.runner.network.layerTable()) }
        // YOLO runs a frame per core (each forward single-threaded); the motion detector alone gives OpenBLAS the
        // cores (it uses none). --verbose times the layers, one frame at a time.
        yolo?.runner.profiling = verbose
        Threads.configure(threads: threads, preferBLAS: !(settings.kind.usesYolo && settings.teacherCfg == nil && !verbose))
        var failures: [String] = []
        var totalFrames = 0, totalBoxes = 0
        Detect.detectorSeconds = 0
        let start = Date()
        for video in videos {
            do {
                let detectorForVideo = try loaded.detector(for: video)
                let (frames, boxes) = try process(video, with: detectorForVideo)
                totalFrames += frames
                totalBoxes += boxes
            } catch {
                Terminal.error("\(error)")
                failures.append(video.name)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        if verbose, let runner = yolo?.runner {
            Terminal.note("time per layer kind (s): " + runner.secondsByKind.sorted { $0.value > $1.value }
                .map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: ", "))
        }
        Terminal.note(String(format: "detect: %d videos, %d frames, %.2f boxes/frame, %.1f frames/s end to end, %.1f frames/s in the detector",
                             videos.count - failures.count, totalFrames, Double(totalBoxes) / Double(max(totalFrames, 1)),
                             Double(totalFrames) / max(seconds, 1e-9), Double(totalFrames) / max(Detect.detectorSeconds, 1e-9)),
                      quiet: quiet)
        if !failures.isEmpty {
            if videos.count > 1 { Terminal.error("\(failures.count) of \(videos.count) videos failed: \(failures.joined(separator: ", "))") }
            throw ExitCode.failure
        }
    }

    /// Wall time spent in the detector calls (a chunk of frames at a time for YOLO alone).
    nonisolated(unsafe) static var detectorSeconds = 0.0

    /// Detects every frame of one video and writes its CSV atomically; returns (frames, boxes).
    private func process(_ video: VideoSource, with detector: ObjectDetector) throws -> (Int, Int) {
        let reader = try FrameReader(path: video.path, layout: overlay == nil ? (detector as? MotionDetector)?.parameters.frameLayout ?? .rgb24 : .rgb24)
        let bar = ProgressBar(video.name, total: reader.info.frameCount, quiet: quiet)
        var writer: VideoWriter?
        if let overlay {
            writer = try VideoWriter(path: (overlay as NSString).appendingPathComponent("\(video.name).mp4"),
                                     width: reader.info.width, height: reader.info.height, fps: reader.info.fps)
        }
        var csv = DetectionCSV.header + "\n"
        var frames = 0, count = 0
        let chunk = detector is BatchObjectDetector ? Threads.swiftWorkers : 1
        var pending: [Frame] = []
        func flush() throws {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let found = try detector.detectInOrder(pending)
            Detect.detectorSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            for (frame, boxes) in zip(pending, found) {
                for box in boxes { csv += DetectionCSV.row(frame: frames, box) + "\n" }
                if let writer { try writer.append(BoxDrawing.draw(boxes, on: frame)) }
                frames += 1
                count += boxes.count
                bar.advance()
            }
            pending.removeAll(keepingCapacity: true)
        }
        while let frame = try reader.next() {
            pending.append(frame)
            if pending.count >= chunk { try flush() }
        }
        try flush()
        bar.finish()
        try writer?.finish()
        try writeFileAtomically(Data(csv.utf8), to: (out as NSString).appendingPathComponent("\(video.name).csv"))
        return (frames, count)
    }
}
