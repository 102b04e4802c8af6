import ArgumentParser
import Detection

extension DetectorSettings.Kind: ExpressibleByArgument {}

/// Whether a group of options shows in `--help` (or only in `--help-hidden`).
protocol HelpVisibility { static var visibility: ArgumentVisibility { get } }
enum Shown: HelpVisibility { static let visibility = ArgumentVisibility.default }
enum Hidden: HelpVisibility { static let visibility = ArgumentVisibility.hidden }

/// Which detector, and its settings. Every option is optional: what is given changes a base (the defaults in
/// `detect` and `train`, the model's own detector in `score`). `Choice` shows or hides --detector, --cfg and
/// --weights; `Tuning` the thresholds, which `detect` shows and the other commands keep for experts.
struct DetectorOptions<Choice: HelpVisibility, Tuning: HelpVisibility>: ParsableArguments {
    @Option(help: ArgumentHelp("motion (background subtraction, needs no weights) | yolo (a Darknet network: --cfg and --weights) | yolo+motion (YOLO's boxes plus the motion boxes no YOLO box covers).", visibility: Choice.visibility))
    var detector: DetectorSettings.Kind?

    @Option(help: ArgumentHelp("yolo: Darknet .cfg file.", visibility: Choice.visibility))
    var cfg: String?

    @Option(help: ArgumentHelp("yolo: Darknet .weights file.", visibility: Choice.visibility))
    var weights: String?

    @Option(help: ArgumentHelp("yolo: objectness x class probability threshold (default 0.5).", visibility: Tuning.visibility))
    var conf: Float?

    @Option(help: ArgumentHelp("yolo: keep only boxes of these classes: class indices, COCO names or 'vehicles', comma-separated (e.g. person,vehicles). Default: every class.", valueName: "list", visibility: Choice.visibility))
    var classes: String?

    @Option(name: .customLong("bg-threshold"), help: ArgumentHelp("motion: |frame - background| threshold in grey levels (default 20).", visibility: Tuning.visibility))
    var bgThreshold: Int?

    @Option(name: .customLong("diff-threshold"), help: ArgumentHelp("motion: |frame - previous frame| threshold in grey levels (default 12).", visibility: Tuning.visibility))
    var diffThreshold: Int?

    @Option(name: .customLong("min-area"), help: ArgumentHelp("motion: smallest object in pixels at a frame height of 240 (default 40).", visibility: Tuning.visibility))
    var minArea: Int?

    @Option(help: ArgumentHelp("motion: pixels added around every box at a frame height of 240 (default 4).", visibility: Tuning.visibility))
    var margin: Int?

    @Option(name: .customLong("split-area"), help: ArgumentHelp("motion: cut a blob that merged several objects where each piece keeps at least this many pixels (at a frame height of 240); 0 = never (default 120).", visibility: Tuning.visibility))
    var splitArea: Int?

    @Option(name: .customLong("split-valley"), help: ArgumentHelp("motion: a column or row with at most this fraction of the fullest one's pixels counts as a gap for the cut (default 0.3).", visibility: Tuning.visibility))
    var splitValley: Float?

    @Option(name: .customLong("motion-reference-height"), help: ArgumentHelp("motion: the frame height the sizes (--min-area, --margin, --split-area, the closing) are meant for; other heights scale them (default 240; 0 = pixels as given).", visibility: .hidden))
    var motionReferenceHeight: Int?

    @Option(name: .customLong("colour-scale"), help: ArgumentHelp("motion: on colour video a pixel also counts as foreground (moving) when its largest channel difference exceeds this times --bg-threshold (--diff-threshold); 0 = grey levels only (default 1.5).", visibility: Tuning.visibility))
    var colourScale: Float?

    /// `base` with the options given applied.
    func applied(to base: DetectorSettings) -> DetectorSettings {
        var s = base
        if let detector { s.kind = detector }
        if let cfg { s.cfg = cfg }
        if let weights { s.weights = weights }
        if let conf { s.confidence = conf }
        if let classes, case let .success(indices) = CocoClasses.parse(classes) { s.classes = indices }
        if let bgThreshold { s.motion.backgroundThreshold = bgThreshold }
        if let diffThreshold { s.motion.frameDifferenceThreshold = diffThreshold }
        if let minArea { s.motion.minArea = minArea }
        if let margin { s.motion.margin = margin }
        if let splitArea { s.motion.splitMinPieceArea = splitArea }
        if let splitValley { s.motion.splitValley = splitValley }
        if let motionReferenceHeight { s.motion.referenceHeight = motionReferenceHeight }
        if let colourScale { s.motion.colourScale = colourScale }
        return s
    }

    func validate() throws {
        if let conf { guard (0...1).contains(conf) else { throw ValidationError("--conf must be in [0, 1]") } }
        if let classes, case let .failure(error) = CocoClasses.parse(classes) { throw ValidationError("--classes: \(error)") }
        if let problem = applied(to: DetectorSettings()).motion.problem(naming: { "--" + $0.option }) {
            throw ValidationError(problem)
        }
    }

    /// `detect` and `train`: the default settings with the options applied, complete.
    func settingsFromDefaults() throws -> DetectorSettings {
        let settings = applied(to: DetectorSettings())
        if settings.kind.usesYolo && (settings.cfg == nil || settings.weights == nil) {
            throw ValidationError("--detector \(settings.kind.rawValue) needs --cfg and --weights")
        }
        return settings
    }
}

/// `--teacher`: a Darknet classifier whose output on each object's crop joins the distillation target (an expert
/// option: no classifier weights ship with ssmtl).
struct TeacherOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A Darknet classifier .cfg whose output on each object's crop joins the distillation target (needs --teacher-weights).", valueName: "cfg", visibility: .hidden))
    var teacher: String?

    @Option(help: ArgumentHelp("The .weights of the --teacher classifier.", valueName: "weights", visibility: .hidden))
    var teacherWeights: String?

    func validate() throws {
        if (teacher == nil) != (teacherWeights == nil) { throw ValidationError("--teacher and --teacher-weights go together") }
    }

    func applied(to base: DetectorSettings) -> DetectorSettings {
        var s = base
        if let teacher, let teacherWeights { s.teacherCfg = teacher; s.teacherWeights = teacherWeights }
        return s
    }
}
