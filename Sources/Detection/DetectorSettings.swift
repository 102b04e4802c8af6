import Foundation
import VideoIO

/// Which detector finds the objects, and its settings. `train` records them in the model (`record`), and `score`
/// uses the model's unless told otherwise, so a model is scored with the detector it was trained with.
public struct DetectorSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Background subtraction and frame differencing; needs no weights.
        case motion
        /// A Darknet YOLO network (`cfg` and `weights`); its class probabilities are the distillation target.
        case yolo
        /// YOLO's boxes plus the motion detector's boxes that no YOLO box covers (`YoloWithMotion`).
        case yoloMotion = "yolo+motion"

        /// Whether a YOLO network runs.
        public var usesYolo: Bool { self != .motion }
        /// Whether the motion detector runs.
        public var usesMotion: Bool { self != .yolo }
    }

    public var kind = Kind.motion
    public var motion = MotionParameters()
    /// yolo: the Darknet files.
    public var cfg: String?
    public var weights: String?
    /// yolo: objectness x class probability threshold, per-class NMS IoU, and how frames are fitted to the network.
    public var confidence: Float = 0.5
    public var nms: Float = 0.45
    public var resize = ResizeMode.letterbox
    /// yolo: the classes kept (sorted class indices; empty = every class). See `YoloDetector.allowedClasses`.
    public var classes: [Int] = []
    /// A Darknet classifier whose output on each object's crop joins the distillation target (`ClassifierTeacher`).
    public var teacherCfg: String?
    public var teacherWeights: String?
    /// motion: estimate each video's background first (median of 48 sampled frames) instead of learning it online
    /// from the first frame.
    public var prepass = true

    public init() {}

    /// Why these settings cannot work, or nil.
    public var problem: String? {
        if kind.usesYolo && (cfg == nil || weights == nil) { return "the \(kind.rawValue) detector needs a .cfg and a .weights file" }
        if classes.contains(where: { $0 < 0 || $0 > 1 << 16 }) { return "class indices must lie in 0...65536" }
        if (teacherCfg == nil) != (teacherWeights == nil) { return "a teacher needs both its .cfg and its .weights file" }
        if !(0...1).contains(confidence) || !(0...1).contains(nms) { return "the confidence and NMS thresholds must lie in [0, 1]" }
        return motion.problem { $0.key }
    }

    /// The settings a model records (`CheckpointInfo.detector`): what changes the objects found and the
    /// distillation target.
    public var record: [String: String] {
        var r: [String: String]
        switch kind {
        case .motion:
            r = ["kind": "motion"]
        case .yolo, .yoloMotion:
            r = ["kind": kind.rawValue, "cfg": cfg ?? "", "weights": weights ?? "", "conf": "\(confidence)"]
            if !classes.isEmpty { r["classes"] = classes.map(String.init).joined(separator: ",") }
        }
        if kind.usesMotion {
            r["bg_threshold"] = "\(motion.backgroundThreshold)"; r["diff_threshold"] = "\(motion.frameDifferenceThreshold)"
            r["min_area"] = "\(motion.minArea)"; r["margin"] = "\(motion.margin)"; r["split_area"] = "\(motion.splitMinPieceArea)"
            r["split_valley"] = "\(motion.splitValley)"
            if motion.referenceHeight > 0 { r["reference_height"] = "\(motion.referenceHeight)" }
            if motion.colourScale > 0 { r["colour_scale"] = "\(motion.colourScale)" }
        }
        if let teacherCfg, let teacherWeights { r["teacher"] = teacherCfg; r["teacher_weights"] = teacherWeights }
        return r
    }

    /// The settings a model recorded; `source` names the model in errors.
    public init(record r: [String: String], source: String) throws {
        func number<T: LosslessStringConvertible>(_ key: String, _ current: T) throws -> T {
            guard let text = r[key] else { return current }
            guard let value = T(text) else { throw DetectorSettingsError(source, "detector setting \(key)=\(text) is not a number") }
            return value
        }
        guard let kind = Kind(rawValue: r["kind"] ?? "motion") else {
            throw DetectorSettingsError(source, "unknown detector kind '\(r["kind"]!)'")
        }
        self.kind = kind
        motion.backgroundThreshold = try number("bg_threshold", motion.backgroundThreshold)
        motion.frameDifferenceThreshold = try number("diff_threshold", motion.frameDifferenceThreshold)
        motion.minArea = try number("min_area", motion.minArea)
        motion.margin = try number("margin", motion.margin)
        motion.splitMinPieceArea = try number("split_area", motion.splitMinPieceArea)
        motion.splitValley = try number("split_valley", motion.splitValley)
        // Absent in models trained before the sizes could scale: they keep the sizes as given.
        motion.referenceHeight = r["reference_height"] == nil ? 0 : try number("reference_height", motion.referenceHeight)
        // Absent in models trained before the detector compared colours: they keep grey levels.
        motion.colourScale = r["colour_scale"] == nil ? 0 : try number("colour_scale", motion.colourScale)
        confidence = try number("conf", confidence)
        cfg = r["cfg"]
        weights = r["weights"]
        if let list = r["classes"], !list.isEmpty {
            let parsed = list.split(separator: ",").map { Int($0) }
            guard parsed.allSatisfy({ $0 != nil }) else { throw DetectorSettingsError(source, "detector setting classes=\(list) is not a list of class indices") }
            classes = parsed.map { $0! }
        }
        teacherCfg = r["teacher"]
        teacherWeights = r["teacher_weights"]
        if let problem { throw DetectorSettingsError(source, "recorded detector settings are unusable: \(problem)") }
    }

    /// Loads the Darknet networks the settings name (once; every video shares them).
    public func load() throws -> LoadedDetector { try LoadedDetector(settings: self) }
}

public struct DetectorSettingsError: Error, CustomStringConvertible {
    public let source: String, reason: String
    init(_ source: String, _ reason: String) { self.source = source; self.reason = reason }
    public var description: String { "\(source): \(reason)" }
}

/// Detector settings with their networks loaded: makes the detector of each video.
public final class LoadedDetector {
    public let settings: DetectorSettings
    /// The YOLO network (nil for the motion detector).
    public let yolo: YoloDetector?
    /// The teacher classifier (nil without one).
    public let teacher: DarknetRunner?
    /// The cfg readers' warnings (keys the runner never reads), for the caller to show.
    public let warnings: [String]

    init(settings: DetectorSettings) throws {
        self.settings = settings
        var warnings: [String] = []
        if settings.kind.usesYolo, let cfg = settings.cfg, let weights = settings.weights {
            let network = try DarknetNetwork.load(cfgPath: cfg)
            warnings += network.warnings
            let runner = try DarknetRunner(network: network, weights: try DarknetWeights.load(path: weights, network: network))
            yolo = try YoloDetector(runner: runner, confidence: settings.confidence, nmsThreshold: settings.nms, resize: settings.resize,
                                    allowedClasses: settings.classes.isEmpty ? nil : Set(settings.classes))
        } else {
            yolo = nil
        }
        if let cfg = settings.teacherCfg, let weights = settings.teacherWeights {
            let network = try DarknetNetwork.load(cfgPath: cfg)
            warnings += network.warnings
            teacher = try DarknetRunner(network: network, weights: try DarknetWeights.load(path: weights, network: network))
        } else {
            teacher = nil
        }
        self.warnings = warnings
    }

    /// Width of the external distillation target: YOLO's class probabilities (none for motion) plus the teacher
    /// classifier's output.
    public var teacherWidth: Int {
        (yolo?.classes ?? 0) + (teacher?.network.layers.last?.output.count ?? 0)
    }

    /// The detector of one video: the shared YOLO network, a fresh motion detector (it keeps a background model
    /// per video) primed with the video's estimated background unless the settings turn the pre-pass off, or both.
    /// With a teacher, every box also carries the classifier's output on its crop.
    public func detector(for video: VideoSource) throws -> ObjectDetector {
        var motion: MotionDetector?
        if settings.kind.usesMotion {
            let detector = MotionDetector(parameters: settings.motion)
            if settings.prepass, let background = try BackgroundEstimate.median(of: video.path, layout: settings.motion.frameLayout) {
                detector.prime(background: background.pixels, width: background.width, height: background.height)
            }
            motion = detector
        }
        let base: ObjectDetector
        switch (yolo, motion) {
        case let (yolo?, motion?): base = YoloWithMotion(yolo: yolo, motion: motion, classes: yolo.classes)
        case let (yolo?, nil): base = yolo
        case let (nil, motion?): base = motion
        case (nil, nil): preconditionFailure("detector settings without a detector")
        }
        guard let teacher else { return base }
        return ClassifierTeacher(base: base, runner: teacher)
    }
}
