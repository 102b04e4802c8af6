import ArgumentParser
import AtomicFile
import Detection
import Foundation
import SSMTL
import VideoIO

extension Variant: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the anomaly model on normal videos; write MODEL.safetensors.",
        discussion: """
            Give videos of the scene with nothing unusual in them. Every object the detector finds becomes a short \
            clip (the same box in 7 frames), and the network learns four tasks on these clips: which way time runs, \
            whether the motion skips frames, what the middle frame looks like, and (after the main epochs) a second \
            decoder that copies the first. Each epoch trains on about 3000 objects, those of one frame in k (a \
            different frame each epoch), so an epoch costs the same however long the videos are. 10% of the videos \
            (every tenth object with a single video) are held out: the epoch with the lowest loss on them is kept, \
            and they are replayed with fast-forwarded and reversed stretches to choose the temporal smoothing. The \
            model also stores how the scores vary on normal objects, a sample of normal appearance, and the frame \
            scores of the held-out videos, from which ssmtl score sets the threshold of its events.
            MODEL.last.safetensors is written after every epoch: an interrupted run (Ctrl-C, a killed job) continues \
            with the same command and --resume, and gives the same model as an uninterrupted run.
            Options for experts (architecture, optimiser, detector thresholds): ssmtl train --help-hidden.
            """)

    @Argument(help: "Normal videos of one scene: files, frame folders, or folders of those.")
    var inputs: [String]

    @Option(help: ArgumentHelp("The model file to write (.safetensors).", valueName: "model"))
    var out: String

    @Option(help: "Main training epochs.")
    var epochs = 10

    @Option(help: "Epochs of the second decoder whose disagreement is the distillation score (motion detector); 0 = no distillation score.")
    var studentEpochs = 6

    @Option(help: "Random seed: the same seed, data and options give the same model.")
    var seed: UInt64 = 1

    @Flag(name: .customLong("mirror"), inversion: .prefixedNo, help: "Mirror half of the training objects left-right, so that walking either way is normal. --no-mirror for scenes where the direction of motion matters (a one-way corridor, traffic lanes).")
    var mirror = true

    @Option(name: .customLong("false-alarm-percent"), help: ArgumentHelp("The default event threshold of ssmtl score: the score this percentage of the held-out normal frames exceed. 0.5 flags one frame in 200 of normal footage (18 s an hour, before short runs are dropped); lower = fewer false alarms, more missed events. 0...50.", valueName: "percent"))
    var falseAlarmPercent = NormalFrameScores.defaultFalseAlarmPercent

    @Flag(help: "Continue an interrupted run from MODEL.last.safetensors (same videos and options). On a finished run, recompute the normal statistics and the smoothing.")
    var resume = false

    @Option(help: "Threads (0 = all cores).")
    var threads = 0

    @Flag(help: "Print where the time went (epochs, statistics, smoothing choice; network, data thread) on stdout at the end.")
    var timings = false

    @Option(help: "Network size: shallow-narrow, shallow-wide, deep-narrow or deep-wide (wider and deeper are slower).")
    var variant = Variant.shallowNarrow

    @Option(name: .customLong("appearance-weights"), help: ArgumentHelp("Object features by COCO YOLOv3-tiny (default: Models/ if fetched) or none.", valueName: "weights|none"))
    var appearanceWeights: String?

    @OptionGroup var detectorOptions: DetectorOptions<Shown, Hidden>
    @OptionGroup var teacherOptions: TeacherOptions
    @OptionGroup var expert: ExpertTrainingOptions

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        try validateThreadCount(threads)
        if let encoder = expert.encoder, NetworkConfig.parseEncoderPlan(encoder) == nil {
            throw ValidationError("--encoder '\(encoder)' is not a plan like 16,M,32,M,32,M")
        }
        guard expert.batch <= TrainingOptions.maximumBatch else { throw ValidationError("--batch must be at most \(TrainingOptions.maximumBatch)") }
        guard (2...TrainingOptions.maximumBankCapacity).contains(expert.appearanceBank) else {
            throw ValidationError("--appearance-bank must lie in 2...\(TrainingOptions.maximumBankCapacity)")
        }
        if let problem = try trainingOptions().problem { throw ValidationError(problem) }
    }

    /// The library's options from the command line.
    func trainingOptions() throws -> TrainingOptions {
        var o = TrainingOptions()
        o.network = expert.network(variant: variant)
        o.epochs = epochs
        o.studentEpochs = studentEpochs
        o.seed = seed
        o.mirror = mirror
        o.resume = resume
        o.threads = threads
        o.falseAlarmPercent = falseAlarmPercent
        o.batchSize = expert.batch
        o.learningRate = expert.lr
        o.fastForwardShare = expert.fastForwardShare
        o.shuffleCapacity = expert.shuffleBuffer
        o.appearanceBankCapacity = expert.appearanceBank
        o.objectsPerEpoch = expert.objectsPerEpoch
        o.detector = teacherOptions.applied(to: try detectorOptions.settingsFromDefaults())
        switch appearanceWeights {
        case "none"?: o.appearanceWeights = nil
        case let path?: o.appearanceWeights = path
        // As the detector: the pretrained features when the weights are there, the network's own otherwise.
        case nil: o.appearanceWeights = InstalledModels.file("yolov3-tiny.weights")
        }
        return o
    }

    func run() throws {
        Interrupt.install()
        try OutputPaths.checkFile(out, what: "--out")
        let videos = try discoverVideos(inputs)
        let training = TrainingRun(videos: videos, modelPath: out, options: try trainingOptions())
        let progress = TrainProgress(quiet: quiet, timings: timings)
        do {
            let info = try training.run(events: progress.report, isCancelled: { Interrupt.received != nil })
            progress.finished(info, path: out)
        } catch let stop as TrainingCancelled {
            progress.interrupted()
            let saved = stop.checkpoint.map { "\($0) holds epoch \(stop.savedEpochs); continue with the same command and --resume" }
                ?? "no epoch was completed, nothing to resume"
            throw Interrupted(signal: Interrupt.received ?? SIGINT, description: "train: interrupted during \(stop.during): \(saved)")
        }
    }
}

/// Options an expert changes: the architecture, the optimiser and the data buffer (shown by --help-hidden).
struct ExpertTrainingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Encoder plan overriding the variant's: conv channels and M (MaxPool3D 1x2x2), e.g. 16,M,32,M,32,M.", valueName: "plan", visibility: .hidden))
    var encoder: String?

    @Option(help: ArgumentHelp("Side of the square object crops in pixels (divisible by 2^(pooling stages + 1)).", visibility: .hidden))
    var cropSize = 64

    @Option(help: ArgumentHelp("Channels of the arrow-of-time, irregularity and distillation head convolutions.", visibility: .hidden))
    var headChannels = 32

    @Option(help: ArgumentHelp("Channels of the middle-box decoder (and student) convolutions.", visibility: .hidden))
    var decoderChannels = 32

    @Option(help: ArgumentHelp("Dropout probability in the classifier heads.", visibility: .hidden))
    var dropout: Float = 0.3

    @Option(help: ArgumentHelp("Objects per batch.", visibility: .hidden))
    var batch = 64

    @Option(help: ArgumentHelp("Adam learning rate of the first epoch (it falls along half a cosine over the epochs).", visibility: .hidden))
    var lr: Float = 1e-3

    @Option(name: .customLong("fast-forward-share"), help: ArgumentHelp("Share of the irregular motion clips that are uniform fast-forwards (every k-th frame, k = 2...5) rather than random jumps.", visibility: .hidden))
    var fastForwardShare = 1.0 / 3

    @Option(help: ArgumentHelp("Training clips held in the shuffle buffer (about 172 kB each with 64-pixel crops).", visibility: .hidden))
    var shuffleBuffer = 2048

    @Option(name: .customLong("objects-per-epoch"), help: ArgumentHelp("About how many objects each epoch trains on: the objects of one frame in k, a different frame each epoch (consecutive frames hold nearly the same objects). 0 = every object in every epoch (slower in proportion to the videos' length).", valueName: "N"))
    var objectsPerEpoch = TrainingOptions().objectsPerEpoch

    @Option(name: .customLong("appearance-bank"), help: ArgumentHelp("Most training objects in the sample of normal appearance (2 kB each in the model with shallow-narrow).", valueName: "N", visibility: .hidden))
    var appearanceBank = AppearanceSampler.defaultCapacity

    func network(variant: Variant) -> NetworkConfig {
        var config = NetworkConfig(variant: variant)
        if let encoder, let plan = NetworkConfig.parseEncoderPlan(encoder) { config.encoderPlan = plan }
        config.cropSize = cropSize
        config.headChannels = headChannels
        config.decoderChannels = decoderChannels
        config.dropout = dropout
        return config
    }
}
