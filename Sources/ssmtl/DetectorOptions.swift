import ArgumentParser
import Detection
import Foundation
import SSMTL
import VideoIO

/// Detector options shared by `train` and `score`: which detector, and its settings.
struct DetectorOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case motion, yolo }

    @Option(help: "motion (default, needs no weights) | yolo (needs --cfg and --weights).")
    var detector: Kind = .motion

    @Option(help: "yolo: Darknet .cfg file.")
    var cfg: String?

    @Option(help: "yolo: Darknet .weights file.")
    var weights: String?

    @Option(help: ArgumentHelp("train/score: a Darknet classifier .cfg whose output on each object's crop is appended to the distillation target (needs --teacher-weights).", valueName: "cfg"))
    var teacher: String?

    @Option(help: ArgumentHelp("train/score: the .weights of the --teacher classifier.", valueName: "weights"))
    var teacherWeights: String?

    @Option(help: "yolo: objectness x class probability threshold.")
    var conf: Float = 0.5

    @Option(name: .customLong("bg-threshold"), help: "motion: |frame - background| threshold (grey levels).")
    var bgThreshold: Int = MotionParameters().backgroundThreshold

    @Option(name: .customLong("diff-threshold"), help: "motion: |frame - previous frame| threshold (grey levels).")
    var diffThreshold: Int = MotionParameters().frameDifferenceThreshold

    @Option(name: .customLong("min-area"), help: "motion: minimum component area in pixels.")
    var minArea: Int = MotionParameters().minArea

    @Option(help: "motion: pixels added around every box.")
    var margin: Int = MotionParameters().margin

    @Option(name: .customLong("split-area"), help: "motion: cut a component that merged several objects along empty columns or rows of its pre-closing mask when each side keeps at least this many pixels; 0 = never split.")
    var splitArea: Int = MotionParameters().splitMinPieceArea

    @Option(name: .customLong("split-valley"), help: "motion: a column or row of a component holding at most this fraction of the fullest one's pixels counts as empty for --split-area (0 = only truly empty ones).")
    var splitValley: Float = MotionParameters().splitValley

    func validate() throws {
        guard splitValley >= 0, splitValley < 1 else { throw ValidationError("--split-valley must be in [0, 1)") }
        if detector == .yolo && (cfg == nil || weights == nil) { throw ValidationError("--detector yolo needs --cfg and --weights") }
        if (teacher == nil) != (teacherWeights == nil) { throw ValidationError("--teacher and --teacher-weights go together") }
        guard conf >= 0, conf <= 1 else { throw ValidationError("--conf must be in [0, 1]") }
        guard bgThreshold >= 0, diffThreshold >= 0, minArea >= 0, margin >= 0, splitArea >= 0 else {
            throw ValidationError("motion thresholds, --min-area, --margin and --split-area must not be negative")
        }
        // Values beyond any pixel value or frame size only overflow the box arithmetic (a huge --margin trapped).
        guard bgThreshold <= 1 << 16, diffThreshold <= 1 << 16, minArea <= 1 << 30, margin <= 1 << 16, splitArea <= 1 << 30 else {
            throw ValidationError("motion thresholds and --margin must be at most 65536, --min-area and --split-area at most 2^30")
        }
    }

    var motionParameters: MotionParameters {
        var p = MotionParameters()
        p.backgroundThreshold = bgThreshold
        p.frameDifferenceThreshold = diffThreshold
        p.minArea = minArea
        p.margin = margin
        p.splitMinPieceArea = splitArea
        p.splitValley = splitValley
        return p
    }

    /// Settings recorded in the checkpoint.
    var settings: [String: String] {
        var s = detectorSettings
        if let teacher, let teacherWeights { s["teacher"] = teacher; s["teacher_weights"] = teacherWeights }
        return s
    }

    private var detectorSettings: [String: String] {
        switch detector {
        case .motion:
            return ["kind": "motion", "bg_threshold": "\(bgThreshold)", "diff_threshold": "\(diffThreshold)",
                    "min_area": "\(minArea)", "margin": "\(margin)", "split_area": "\(splitArea)", "split_valley": "\(splitValley)"]
        case .yolo:
            return ["kind": "yolo", "cfg": cfg ?? "", "weights": weights ?? "", "conf": "\(conf)"]
        }
    }

    /// Width of the external distillation target: YOLO's class probabilities (none for motion) plus the
    /// classifier teacher's output.
    func teacherWidth(of yolo: YoloDetector?, teacher: DarknetRunner? = nil) -> Int {
        let classes = yolo?.runner.network.layers.compactMap { layer -> Int? in
            if case let .yolo(spec) = layer.kind { return spec.classes }
            return nil
        }.first ?? 0
        return classes + (teacher?.network.layers.last?.output.count ?? 0)
    }

    /// Loads the --teacher classifier once (nil without one).
    func loadTeacher(quiet: Bool) throws -> DarknetRunner? {
        guard let teacher, let teacherWeights else { return nil }
        let network = try DarknetNetwork.load(cfgPath: teacher)
        for warning in network.warnings { Terminal.note("ssmtl: warning: \(warning)", quiet: quiet) }
        return try DarknetRunner(network: network, weights: try DarknetWeights.load(path: teacherWeights, network: network))
    }

    /// Loads the YOLO network once (nil for the motion detector).
    func loadYOLO(quiet: Bool, nms: Float = 0.45, resize: ResizeMode = .letterbox, verbose: Bool = false) throws -> YoloDetector? {
        guard detector == .yolo, let cfg, let weights else { return nil }
        let network = try DarknetNetwork.load(cfgPath: cfg)
        for warning in network.warnings { Terminal.note("ssmtl: warning: \(warning)", quiet: quiet) }
        if verbose { Terminal.note(network.layerTable()) }
        let runner = try DarknetRunner(network: network, weights: try DarknetWeights.load(path: weights, network: network))
        return try YoloDetector(runner: runner, confidence: conf, nmsThreshold: nms, resize: resize)
    }

    /// A detector for one video: the shared YOLO network, or a fresh motion detector whose background is first
    /// estimated from the video (median of 48 sampled frames) unless `prepass` is off.
    /// With a --teacher classifier, every box also carries the classifier's output on its crop.
    func detector(for video: VideoSource, yolo: YoloDetector?, teacher: DarknetRunner? = nil, prepass: Bool = true) throws -> ObjectDetector {
        let base = try baseDetector(for: video, yolo: yolo, prepass: prepass)
        guard let teacher else { return base }
        return ClassifierTeacher(base: base, runner: teacher)
    }

    private func baseDetector(for video: VideoSource, yolo: YoloDetector?, prepass: Bool) throws -> ObjectDetector {
        if let yolo { return yolo }
        let motion = MotionDetector(parameters: motionParameters)
        if prepass, let background = try BackgroundEstimate.median(of: video.path) {
            motion.prime(background: background.pixels, width: background.width, height: background.height)
        }
        return motion
    }
}
