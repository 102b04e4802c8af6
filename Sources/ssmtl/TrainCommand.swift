import ArgumentParser
import Detection
import Foundation
import NeuralNet
import SSMTL
import VideoIO

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the multi-task network on normal videos; write MODEL.safetensors.",
        discussion: """
            Every epoch streams the training videos (decode -> detect -> crop the same box in frames i-3...i+3 and in an \
            irregular sequence up to 15 frames away) through a bounded shuffle buffer into batches. 10% of the videos \
            (one at least; every tenth object when there is a single video) are held out for validation. After every \
            epoch MODEL.last.safetensors (weights + Adam state) is written, and MODEL.safetensors whenever the \
            epoch is the best so far (--select-epoch: by default the highest frame AUC on the validation videos \
            replayed with fast-forwarded and reversed segments; with loss, the lowest validation loss). Then the \
            self-distillation student is trained for --student-epochs on the kept weights (--select-student chooses \
            which student epoch is kept). At the end, the per-head score statistics of the training objects \
            are computed with the best weights and stored in MODEL.safetensors, with the appearance bank (a seeded \
            sample of at most --appearance-bank training objects' encoder features, the validation videos left out) and the \
            normal spread of its nearest-neighbour distance. --resume continues from MODEL.last.safetensors and \
            gives the same weights as an uninterrupted run with the same seed; resuming a finished run recomputes \
            the statistics, the bank and the scoring sigma. With --members K the members are trained in turn; --resume \
            skips the members already finished (with --retrain-student, it trains each member's student again), \
            continues the interrupted one, and chooses the ensemble's sigma again.
            """)

    @Argument(help: "Normal (training) videos: files, frame folders, or folders of those.")
    var inputs: [String]

    @Option(help: "Output model path (.safetensors).")
    var out: String

    @Option(help: "Network variant: shallow-narrow | shallow-wide | deep-narrow | deep-wide.")
    var variant: String = Variant.shallowNarrow.rawValue

    @Option(help: ArgumentHelp("Encoder plan overriding the variant's: conv channel counts and M (MaxPool3D 1x2x2), e.g. 16,M,32,M,32,M.", valueName: "plan"))
    var encoder: String?

    @Option(help: "Side of the square object crops, in pixels (divisible by 2^(pooling stages + 1)).")
    var cropSize = 64

    @Option(help: "Channels of the arrow-of-time, irregularity and distillation head convolutions.")
    var headChannels = 32

    @Option(help: "Channels of the middle-box decoder convolutions.")
    var decoderChannels = 32

    @Option(help: "Dropout probability in the classifier heads.")
    var dropout: Float = 0.3

    @Option(name: .customLong("jigsaw-grid"), help: ArgumentHelp("Spatial jigsaw task (Jigsaw-VAD): half of the training sequences have their crops cut into a G x G grid whose cells are shuffled (the same way in all 7 frames), and a fifth head learns where each cell came from; its score is how unsure it is on the unshuffled test sequence. 0 = no jigsaw head. G must divide --crop-size.", valueName: "G"))
    var jigsawGrid = 0

    @Option(help: "Number of epochs.")
    var epochs = 10

    @Option(help: "Self-distillation epochs after the main training (motion detector only): the student decoder learns to reproduce the frozen middle-box decoder; 0 = no distillation score (2 until 2026-12-02).")
    var studentEpochs = 6

    @Option(name: .customLong("select-student"), help: "Which student epoch is kept: loss (the lowest validation discrepancy between student and decoder) | replay (the highest frame AUC on the validation videos' replays, as --select-epoch replay judges the main epochs, the distillation score now included; one scoring pass over the training videos and the replays per student epoch). Without a validation video of 41 frames or more, the loss decides. (loss until 2026-12-02)")
    var selectStudent = EpochSelection.replay.rawValue

    @Flag(name: .customLong("retrain-student"), help: "With --resume: discard the trained student and train it again from its initial weights on the kept main weights, with this run's --student-epochs and --select-student (the main epochs already finished are not repeated; statistics, bank and sigma are recomputed). Both checkpoint files drop the old student at once, so a stopped retrain continues with --resume alone.")
    var retrainStudent = false

    @Option(help: "Objects per batch.")
    var batch = 64

    @Option(help: "Adam learning rate.")
    var lr: Float = 1e-3

    @Option(name: .customLong("lr-schedule"), help: "How the learning rate changes over the main epochs: constant (--lr throughout) | cosine (--lr in the first epoch, falling along half a cosine towards 0 by the last; --resume then needs the same --epochs).")
    var lrSchedule = "cosine"

    @Flag(name: .customLong("mirror"), inversion: .prefixedNo, help: "Mirror half of the training objects left-right (all crops of an object alike), so the arrow-of-time head learns how motion looks played backwards rather than which way people usually walk at each place (--no-mirror: never).")
    var mirror = true

    @Option(name: .customLong("crop-shape"), help: "How a box becomes the network's square crop: stretch (the box resized, its proportions lost) | square (a square around the box's centre with the box's longer side, inside the frame where it fits, so a wide object still looks wide). Stored in the model; score uses it.")
    var cropShape = CropShape.stretch.rawValue

    @Option(name: .customLong("fast-forward-share"), help: "Share of the irregular motion sequences that are uniform fast-forwards (every k-th frame, k = 2...5) instead of random jumps, so the irregularity head also learns objects moving a few times faster than normal; 0 = random jumps only.")
    var fastForwardShare = 1.0 / 3

    @Option(name: .customLong("head-statistics"), help: "Objects whose scores standardise the network heads (aot, mi, mb, kd and jig): held-out (the validation videos' objects, which the heads were not fitted on, so every head weighs the same on unseen normal objects; all objects when validation is every tenth object or the validation videos have fewer than 30 objects) | all (every training video's objects). Recomputed by --resume of a finished run.")
    var headStatisticsSource = HeadStatisticsSource.heldOut.rawValue

    @Option(name: .customLong("appearance-score"), help: "How the appearance score measures an object's features against the bank of training objects' features: nearest (Euclidean distance to the nearest entry) | gaussian (Mahalanobis distance to a Gaussian of the entries, covariance with Ledoit-Wolf shrinkage). Recomputed by --resume of a finished run.")
    var appearanceScore = AppearanceScore.nearest.rawValue

    @Option(name: .customLong("appearance-bank"), help: ArgumentHelp("Most training objects in the appearance bank, 2...131072 (a seeded random sample of the training split's objects when it has more; 2 kB each in the model with shallow-narrow; 8192 until 2026-12-02). Recomputed by --resume of a finished run.", valueName: "N"))
    var appearanceBankSize = AppearanceSampler.defaultCapacity

    @Option(name: .customLong("calibration"), help: "How each score is put on a common scale before the scores are averaged into the object score: z ((s - mean) / std over the normal objects) | tail (-ln(1 - F(s)), F the score's distribution over the normal objects: its quantiles at 0, 1, ..., 95% and an exponential tail beyond, so the mean is Fisher's combination of the scores' tail probabilities). The normal objects are those of --head-statistics, and for the appearance score the bank's leave-one-video-out distances. Recomputed by --resume of a finished run.")
    var calibration = ScoreCalibration.z.rawValue

    @Option(name: .customLong("select-epoch"), help: "Which main epoch's weights are kept: loss (the lowest validation loss) | replay (the highest frame AUC on the validation videos replayed with fast-forwarded and reversed segments, the sigma calibration's pseudo-anomalies, scored with that epoch's weights, its own head statistics and appearance bank, and no distillation score; costs one scoring pass over the training videos and the replays per epoch). replay sees motion anomalies only; without a validation video of 41 frames or more, the loss decides.")
    var selectEpoch = EpochSelection.replay.rawValue

    @Option(name: .customLong("ema-decay"), help: ArgumentHelp("Keep an exponential moving average of the weights during the main epochs (after every step: average = d x average + (1 - d) x weights, d = min(D, (1 + t)/(10 + t)) at update t); validation, the best checkpoint and everything after the main epochs use the averaged weights. 0 = off.", valueName: "D"))
    var emaDecay: Float = 0

    @Option(help: "Random seed (initialisation, sampling, shuffling, dropout).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Networks in a deep ensemble: K > 1 trains K networks one after the other with seeds --seed, --seed + 1, ... (all holding out the same validation videos) into MODEL.member-k.safetensors, then writes MODEL.safetensors holding them all; score averages their standardised scores. Training and scoring take K times as long.", valueName: "K"))
    var members = 1

    @Option(name: .customLong("split-seed"), help: ArgumentHelp("Seed that chooses the validation videos (default: --seed). Models trained with one split seed hold out the same videos.", valueName: "seed"))
    var splitSeed: UInt64?

    @Option(help: "Examples held in the shuffle buffer (bounds memory: about 172 kB each).")
    var shuffleBuffer = 2048

    @Flag(help: "Continue an interrupted run from MODEL.last.safetensors.")
    var resume = false

    @Option(help: "Threads for the network and BLAS (0 = all cores).")
    var threads = 0

    @OptionGroup var detectorOptions: DetectorOptions

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard Variant(rawValue: variant) != nil else {
            throw ValidationError("--variant must be one of \(Variant.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (1...16).contains(members) else { throw ValidationError("--members must lie in 1...16") }
        guard studentEpochs >= 0 else { throw ValidationError("--student-epochs must be 0 or more") }
        guard epochs >= 1, batch >= 2, shuffleBuffer >= batch else {
            throw ValidationError("--epochs must be at least 1, --batch at least 2, --shuffle-buffer at least --batch")
        }
        guard batch <= maximumBatch else { throw ValidationError("--batch must be at most \(maximumBatch)") }
        try validateThreadCount(threads)
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        guard (0...1).contains(fastForwardShare) else { throw ValidationError("--fast-forward-share must lie in [0, 1]") }
        guard emaDecay == 0 || (emaDecay > 0 && emaDecay < 1) else { throw ValidationError("--ema-decay must be 0 (off) or lie in (0, 1)") }
        guard HeadStatisticsSource(rawValue: headStatisticsSource) != nil else {
            throw ValidationError("--head-statistics must be one of \(HeadStatisticsSource.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard AppearanceScore(rawValue: appearanceScore) != nil else {
            throw ValidationError("--appearance-score must be one of \(AppearanceScore.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // The leave-one-video-out pass compares every entry with every other: 131072 entries take minutes.
        guard (2...131_072).contains(appearanceBankSize) else { throw ValidationError("--appearance-bank must lie in 2...131072") }
        guard ScoreCalibration(rawValue: calibration) != nil else {
            throw ValidationError("--calibration must be one of \(ScoreCalibration.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard CropShape(rawValue: cropShape) != nil else {
            throw ValidationError("--crop-shape must be one of \(CropShape.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard EpochSelection(rawValue: selectEpoch) != nil else {
            throw ValidationError("--select-epoch must be one of \(EpochSelection.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard EpochSelection(rawValue: selectStudent) != nil else {
            throw ValidationError("--select-student must be one of \(EpochSelection.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !retrainStudent || resume else { throw ValidationError("--retrain-student needs --resume (it retrains the student of an existing run)") }
        guard !retrainStudent || studentEpochs > 0 else { throw ValidationError("--retrain-student needs --student-epochs 1 or more") }
        guard LearningRateSchedule(rawValue: lrSchedule) != nil else {
            throw ValidationError("--lr-schedule must be one of \(LearningRateSchedule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let encoder, NetworkConfig.parseEncoderPlan(encoder) == nil {
            throw ValidationError("--encoder '\(encoder)' is not a plan like 16,M,32,M,32,M")
        }
        if let problem = network.problem { throw ValidationError("impossible network: \(problem)") }
    }

    /// The architecture asked for: the variant's defaults with the options above applied.
    var network: NetworkConfig {
        var config = NetworkConfig(variant: Variant(rawValue: variant) ?? .shallowNarrow)
        if let encoder, let plan = NetworkConfig.parseEncoderPlan(encoder) { config.encoderPlan = plan }
        config.cropSize = cropSize
        config.headChannels = headChannels
        config.decoderChannels = decoderChannels
        config.dropout = dropout
        config.jigsawGrid = jigsawGrid
        return config
    }

    var lastPath: String {
        out.hasSuffix(".safetensors") ? String(out.dropLast(".safetensors".count)) + ".last.safetensors" : out + ".last"
    }

    var schedule: LearningRateSchedule { LearningRateSchedule(rawValue: lrSchedule) ?? .constant }
    var shape: CropShape { CropShape(rawValue: cropShape) ?? .stretch }
    var selection: EpochSelection { EpochSelection(rawValue: selectEpoch) ?? .replay }
    var studentSelection: EpochSelection { EpochSelection(rawValue: selectStudent) ?? .replay }

    func run() throws {
        Threads.configureForPipeline(threads: threads)
        Interrupt.install()
        try checkOutputFile(out, option: "--out")
        let videos = try discoverVideos(inputs)
        let yolo = try detectorOptions.loadYOLO(quiet: quiet)
        let teacher = try detectorOptions.loadTeacher(quiet: quiet)
        let teacherWidth = detectorOptions.teacherWidth(of: yolo, teacher: teacher)
        // Detections are cached once for every member: they depend on the detector only.
        let cache = DetectionCache(videos: videos) { video in try detectorOptions.detector(for: video, yolo: yolo, teacher: teacher) }
        let context = RunContext(videos: videos, cache: cache, teacherWidth: teacherWidth,
                                 makeDetector: { try detectorOptions.detector(for: $0, yolo: yolo, teacher: teacher) })

        if members == 1 {
            let member = memberRuns[0]
            let (model, final, split) = try train(member, resume: resume, context: context)
            var info = final
            if let (sigma, table) = try chooseSigma(scorer: model, statistics: final.headStatistics!, split: split, context: context,
                                                    completedEpochs: epochs, last: member.last) {
                info.scoreSigma = sigma
                info.scoreSigmaValidation = table
                try ModelCheckpoint.save(model, info: info, to: out, includeOptimizer: false)
            }
            Terminal.note("train: best epoch \(info.bestEpoch) (\(Self.bestEpochFigures(info)))\(Self.bestStudentFigures(info)); head mean \(info.headStatistics!.mean), std \(info.headStatistics!.std)\(Self.tailText(info.headStatistics!)) (\(info.headStatisticsObjects ?? "")); wrote \(out)", quiet: quiet)
            return
        }

        for member in memberRuns {
            if resume, !retrainStudent, let info = try finishedMember(member, teacherWidth: teacherWidth) {
                Terminal.note("train: \(member.label ?? "model") (seed \(member.seed)) is already trained: best epoch \(info.bestEpoch) (\(Self.bestEpochFigures(info))) (\(member.out))", quiet: quiet)
                continue
            }
            let resumeMember = resume && FileManager.default.fileExists(atPath: member.last)
            if retrainStudent && !resumeMember && FileManager.default.fileExists(atPath: member.out) {
                throw CheckpointError(member.last, "no such file: --retrain-student needs the member's training checkpoint beside \(member.out)")
            }
            _ = try train(member, resume: resumeMember, context: context)
        }
        // The members in one scorer, each with its own statistics; the scoring sigma is chosen for the ensemble on the
        // split every member held out.
        let scorer = try ModelCheckpoint.loadEnsemble(members: memberRuns.map(\.out))
        let shared = Trainer(videos: videos, detections: cache, options: trainerOptions(seed: seed, side: scorer.cropSide, teacherWidth: teacherWidth)).split
        let sigma = try chooseSigma(scorer: scorer, statistics: scorer.statistics, split: shared, context: context,
                                    completedEpochs: epochs, last: memberRuns.last!.last)
        try EnsembleCheckpoint.write(members: memberRuns.map(\.out), scoreSigma: sigma?.sigma, sigmaValidation: sigma?.table, to: out)
        Terminal.note("train: wrote \(out), an ensemble of \(members) networks (seeds \(seed)...\(seed &+ UInt64(members - 1)); each member's own file, kept for --resume: \(memberRuns[0].out) ...)", quiet: quiet)
    }

    /// What every member's training shares.
    struct RunContext {
        let videos: [VideoSource]
        let cache: DetectionCache
        let teacherWidth: Int
        let makeDetector: (VideoSource) throws -> ObjectDetector

        /// The videos holding `split`'s validation objects: the ones replayed with abnormal segments.
        func validationVideos(of split: ValidationSplit) -> [VideoSource] {
            split.videosWithValidationObjects(videoCount: videos.count).map { videos[$0] }
        }
    }

    /// One network to train: where it is written and its seed (an ensemble's members: seed, seed + 1, ...).
    struct MemberRun {
        let out: String
        let last: String
        let seed: UInt64
        /// "member 2/3"; nil for a single network.
        let label: String?
    }

    var memberRuns: [MemberRun] {
        guard members > 1 else { return [MemberRun(out: out, last: lastPath, seed: seed, label: nil)] }
        let stem = out.hasSuffix(".safetensors") ? String(out.dropLast(".safetensors".count)) : out
        return (1...members).map { k in
            MemberRun(out: "\(stem).member-\(k).safetensors", last: "\(stem).member-\(k).last.safetensors",
                      seed: seed &+ UInt64(k - 1), label: "member \(k)/\(members)")
        }
    }

    func trainerOptions(seed memberSeed: UInt64, side: Int, teacherWidth: Int) -> Trainer.Options {
        var options = Trainer.Options()
        options.batchSize = batch
        options.shuffleCapacity = shuffleBuffer
        options.seed = memberSeed
        // Every member holds out the videos of the first seed's split, so none has seen the sigma replays' videos.
        options.splitSeed = splitSeed ?? seed
        options.side = side
        options.teacherWidth = teacherWidth
        options.fastForwardShare = fastForwardShare
        options.mirror = mirror
        options.cropShape = shape
        options.jigsawGrid = jigsawGrid
        return options
    }

    /// A checkpoint written by this command with other settings cannot be continued or reused.
    func checkSettings(_ info: CheckpointInfo, path: String, seed memberSeed: UInt64, teacherWidth: Int) throws {
        guard info.network == network, info.seed == memberSeed, info.batchSize == batch, info.teacherWidth == teacherWidth,
              info.fastForwardShare == fastForwardShare, info.learningRateSchedule == schedule, info.mirror == mirror,
              info.cropShape == shape, info.weightAverageDecay == emaDecay, info.splitSeed == splitSeed ?? seed,
              info.epochSelection == selection else {
            throw CheckpointError(path, "was written with other settings (variant \(info.variant.rawValue), encoder \(info.network.encoderPlanText), crop size \(info.network.cropSize), jigsaw grid \(info.network.jigsawGrid), seed \(info.seed), split seed \(info.splitSeed), batch \(info.batchSize), fast-forward share \(info.fastForwardShare), lr schedule \(info.learningRateSchedule.rawValue), mirror \(info.mirror), crop shape \(info.cropShape.rawValue), ema decay \(info.weightAverageDecay), epoch selection \(info.epochSelection.rawValue)); resume with the same ones")
        }
        // A cosine schedule is laid out over the planned epochs: another count would change the rates.
        guard schedule == .constant || info.epochsPlanned == epochs else {
            throw CheckpointError(path, "was written for \(info.epochsPlanned) epochs with the cosine lr schedule; resume with --epochs \(info.epochsPlanned)")
        }
    }

    /// The info of an ensemble member whose training has finished (its file holds head statistics), nil when it has
    /// not; an error when it was trained with other settings.
    func finishedMember(_ member: MemberRun, teacherWidth: Int) throws -> CheckpointInfo? {
        guard FileManager.default.fileExists(atPath: member.out) else { return nil }
        let (_, info) = try ModelCheckpoint.load(member.out)
        guard info.headStatistics != nil, info.epoch == epochs else { return nil }
        try checkSettings(info, path: member.out, seed: member.seed, teacherWidth: teacherWidth)
        return info
    }

    /// Trains one network to its finished checkpoint (best weights, head statistics, appearance bank) at `member.out`.
    /// Returns the model holding those weights, the checkpoint's info and the validation split.
    private func train(_ member: MemberRun, resume: Bool, context: RunContext) throws -> (MultiTaskModel, CheckpointInfo, ValidationSplit) {
        let videos = context.videos, teacherWidth = context.teacherWidth
        var model: MultiTaskModel
        var info: CheckpointInfo
        if resume {
            (model, info) = try ModelCheckpoint.load(member.last, restoreOptimizer: true)
            try checkSettings(info, path: member.last, seed: member.seed, teacherWidth: teacherWidth)
            info.epochsPlanned = epochs
            info.studentEpochsPlanned = model.selfDistillation ? studentEpochs : 0
            Terminal.note("train: \(member.label.map { $0 + ": " } ?? "")resuming after epoch \(info.epoch) of \(epochs)", quiet: quiet)
            if retrainStudent && !model.selfDistillation {
                Terminal.note("train: warning: \(member.last) has no self-distillation student to retrain (it was trained with a teacher)", quiet: false)
            } else if retrainStudent && info.studentEpoch > 0 {
                let discarded = info.studentEpoch
                try discardStudent(model: model, info: &info, member: member)
                Terminal.note("train: \(member.label.map { $0 + ": " } ?? "")retraining the student (\(discarded) student epoch\(discarded == 1 ? "" : "s") discarded)", quiet: quiet)
            } else if info.studentEpoch > 0 && info.epoch < epochs {
                // The student copies the decoder of the kept main epoch; more main epochs may keep another one.
                throw CheckpointError(member.last, "holds a student trained after epoch \(info.epoch); more main epochs need --retrain-student")
            } else if info.studentEpoch > 0 && info.studentEpoch < info.studentEpochsPlanned && info.studentSelection != studentSelection {
                throw CheckpointError(member.last, "has a student chosen by \(info.studentSelection.rawValue); continue it with --select-student \(info.studentSelection.rawValue), or add --retrain-student")
            }
        } else {
            model = MultiTaskModel(config: network, teacherWidth: teacherWidth, learningRate: lr, seed: member.seed)
            info = CheckpointInfo(network: network, teacherWidth: teacherWidth, learningRate: lr, batchSize: batch,
                                  seed: member.seed, epochsPlanned: epochs, detector: detectorOptions.settings)
            info.fastForwardShare = fastForwardShare
            info.learningRateSchedule = schedule
            info.mirror = mirror
            info.cropShape = shape
            info.weightAverageDecay = emaDecay
            info.splitSeed = splitSeed ?? seed
            info.epochSelection = selection
            info.studentEpochsPlanned = model.selfDistillation ? studentEpochs : 0
            info.studentSelection = studentSelection
            if emaDecay > 0 { model.enableWeightAverage(decay: emaDecay) }
        }

        let trainer = Trainer(videos: videos, detections: context.cache,
                              options: trainerOptions(seed: member.seed, side: model.cropSide, teacherWidth: teacherWidth))
        let held = trainer.split.byObject ? "every tenth object" : trainer.split.validationVideos.sorted().map { videos[$0].name }.joined(separator: ", ")
        Terminal.note("train: \(member.label.map { $0 + ", " } ?? "")\(videos.count) videos, validation: \(held); variant \(variant), batch \(batch), lr \(info.learningRate) (\(schedule.rawValue)), seed \(member.seed)\(mirror ? ", mirrored objects" : "")\(shape == .square ? ", square crops" : "")\(jigsawGrid > 0 ? ", \(jigsawGrid)x\(jigsawGrid) jigsaw" : "")\(emaDecay > 0 ? ", weights averaged (decay \(emaDecay))" : "")", quiet: quiet)

        // Known before the first epoch, so short validation videos cost no per-epoch statistics pass. Their warning
        // waits until the epochs are done, so that an error in an epoch stays the run's only line.
        let checksReplays = selection == .replay && info.epoch < epochs
        let replayEpochs = try checksReplays && replayableValidationVideoExists(split: trainer.split, context: context)

        while info.epoch < epochs {
            let epoch = info.epoch
            let bar = ProgressBar("epoch \(epoch + 1)/\(epochs)", total: nil, unit: "objects", quiet: quiet)
            let start = Date()
            model.optimizer.lr = schedule.rate(base: info.learningRate, epoch: epoch, epochs: epochs)
            let train: TaskMetrics, validation: TaskMetrics
            do {
                (train, validation) = try trainer.runEpoch(epoch, model: model, shouldStop: { Interrupt.received != nil }) { done, running in
                    bar.detail = String(format: "aot %.3f mi %.3f mb %.4f kd %.4f", running.aotLoss, running.miLoss, running.middleBoxLoss, running.distillationLoss)
                    bar.advance(by: done - bar.count)
                }
            } catch is TrainingStopped {
                bar.finish()
                throw interrupted(during: "epoch \(epoch + 1)", completedEpochs: epoch, last: member.last)
            }
            bar.finish()
            guard train.objects > 0 else {
                throw CommandFailure("no objects were detected in the training videos: nothing to train on (check the detector settings)")
            }
            info.epoch = epoch + 1
            let seconds = Date().timeIntervalSince(start)
            let validationLoss = validation.objects > 0 ? validation.total : train.total
            let jigsawText = jigsawGrid > 0
                ? String(format: "; jigsaw train loss %.3f, validation loss %.3f, cells placed %.3f", train.jigsawLoss, validation.jigsawLoss, validation.jigsawAccuracy)
                : ""
            Terminal.note(String(format: "epoch %d: train loss %.4f (aot %.3f mi %.3f mb %.4f kd %.4f) | validation loss %.4f, aot acc %.3f, mi acc %.3f, %d objects | %.0f s, %.1f objects/s, lr %.3g",
                                 epoch + 1, train.total, train.aotLoss, train.miLoss, train.middleBoxLoss, train.distillationLoss,
                                 validationLoss, validation.aotAccuracy, validation.miAccuracy, validation.objects, seconds,
                                 Double(train.objects) / max(seconds, 1e-9), Double(model.optimizer.lr)) + jigsawText, quiet: quiet)
            var replayAUC: Double?
            if selection == .replay {
                model.useAveragedWeights()  // the weights the best checkpoint would keep (no-op without averaging)
                replayAUC = replayEpochs ? try self.replayAUC(of: "epoch \(epoch + 1)", model: model, trainer: trainer, context: context, member: member, completedEpochs: epoch) : nil
                info.epochReplayAUCs = Self.appending(to: info.epochReplayAUCs, epoch: epoch + 1, replayAUC: replayAUC)
            }
            if selection.replacesBest(loss: validationLoss, replayAUC: replayAUC, bestLoss: info.bestValidationLoss, bestReplayAUC: info.bestReplayAUC) {
                info.bestValidationLoss = validationLoss
                info.bestReplayAUC = replayAUC
                info.bestEpoch = epoch + 1
                model.useAveragedWeights()  // the weights the validation loss describes (no-op without averaging)
                try ModelCheckpoint.save(model, info: info, to: member.out, includeOptimizer: false)
            }
            try ModelCheckpoint.save(model, info: info, to: member.last, includeOptimizer: true)
        }
        if checksReplays && !replayEpochs {
            Terminal.note("train: warning: no validation video is long enough (\(PseudoAnomalies.minimumFrameCount()) frames) to replay; the epochs were judged by their validation loss", quiet: false)
        }
        // From here on the best checkpoint's weights are loaded wherever they are needed.
        model.endWeightAverage()

        try trainStudent(model: model, info: &info, trainer: trainer, member: member, context: context)

        // Head statistics of the training objects, with the best weights loaded into the training model (a second
        // model would double the activation memory) and the detections cached during training.
        var final = try ModelCheckpoint.loadWeights(member.out, into: model)
        (final.headStatistics, final.headStatisticsObjects) = try headStatistics(model: model, split: trainer.split, context: context,
                                                                                 seed: member.seed, last: member.last)
        final.appearanceScore = model.appearanceBank?.score ?? .nearest
        // The kept checkpoint was written at its own epoch: the table of every epoch is the run's.
        final.epochReplayAUCs = info.epochReplayAUCs
        final.epoch = info.epoch
        final.epochsPlanned = epochs
        final.studentEpoch = info.studentEpoch
        final.studentEpochsPlanned = info.studentEpochsPlanned
        final.studentReplayAUCs = info.studentReplayAUCs
        try ModelCheckpoint.save(model, info: final, to: member.out, includeOptimizer: false)
        if let label = member.label {
            Terminal.note("train: \(label) done: best epoch \(final.bestEpoch) (\(Self.bestEpochFigures(final)))\(Self.bestStudentFigures(final)); wrote \(member.out)", quiet: quiet)
        }
        return (model, final, trainer.split)
    }

    /// `--retrain-student`: `member`'s student goes back to its initial weights, and both checkpoints say so at once,
    /// so that a run stopped from here on continues the new student with a plain `--resume`, and an ensemble member
    /// no longer looks finished. `MODEL.last` keeps its main weights and Adam state; the best checkpoint keeps its
    /// main weights and loses its statistics, bank and σ until the final pass makes them again.
    private func discardStudent(model: MultiTaskModel, info: inout CheckpointInfo, member: MemberRun) throws {
        model.restartStudent(seed: member.seed)
        info.discardStudent(nextChosenBy: studentSelection)
        try ModelCheckpoint.save(model, info: info, to: member.last, includeOptimizer: true)
        let (best, kept) = try ModelCheckpoint.load(member.out)
        best.restartStudent(seed: member.seed)
        best.appearanceBank = nil
        var cleared = kept
        cleared.discardStudent(nextChosenBy: studentSelection)
        cleared.headStatistics = nil
        cleared.headStatisticsObjects = nil
        cleared.scoreSigma = nil
        cleared.scoreSigmaValidation = nil
        try ModelCheckpoint.save(best, info: cleared, to: member.out, includeOptimizer: false)
    }

    /// The tail calibration's 95% quantile and mean excess of each score, for the final line ("" with z-scores).
    static func tailText(_ statistics: HeadStatistics) -> String {
        guard let tails = statistics.tails else { return "" }
        let used = zip(HeadScores.names, tails).filter { $0.1.isUsable }
        return "; tail calibration (95% quantile + mean excess) " + used.map { String(format: "%@ %.4g+%.4g", $0.0, $0.1.knots[ScoreTail.knotCount - 1], $0.1.meanExcess) }.joined(separator: ", ")
    }

    /// What the kept epoch was judged by: its validation loss and, when the replays chose it, its replay frame AUC.
    static func bestEpochFigures(_ info: CheckpointInfo) -> String {
        String(format: "validation loss %.4f", info.bestValidationLoss)
            + (info.bestReplayAUC.map { String(format: ", replay frame AUC %.4f", $0) } ?? "")
    }

    /// A table of replay AUCs by epoch ("1:0.9951,2:n/a,...") with `epoch`'s entry appended.
    static func appending(to table: String?, epoch: Int, replayAUC: Double?) -> String {
        let entry = "\(epoch):" + (replayAUC.map { String(format: "%.4f", $0) } ?? "n/a")
        return table.map { $0 + "," + entry } ?? entry
    }

    /// The kept student epoch and what it was judged by ("" without a trained student).
    static func bestStudentFigures(_ info: CheckpointInfo) -> String {
        guard info.bestStudentEpoch > 0 else { return "" }
        return String(format: "; student epoch %d of %d (validation L1 %.5f", info.bestStudentEpoch, info.studentEpoch, info.bestStudentLoss)
            + (info.bestStudentReplayAUC.map { String(format: ", replay frame AUC %.4f", $0) } ?? "") + ")"
    }

    /// The replay criterion (`--select-epoch replay`, `--select-student replay`) for the weights `model` holds after
    /// `epochName` ("epoch 3", "student epoch 2"): head statistics and an appearance bank computed with them (kd
    /// included once the student is trained), the validation videos' replays scored, and the highest frame AUC over
    /// the σ grid; nil when no validation video is long enough to replay. The weights, the optimisers and every
    /// random draw of training are left as they were, so the run's epochs are those of a loss-selected run with the
    /// same seed. `completedEpochs` is what an interruption reports as saved.
    private func replayAUC(of epochName: String, model: MultiTaskModel, trainer: Trainer, context: RunContext, member: MemberRun,
                           completedEpochs: Int, fallback: String = "validation loss") throws -> Double? {
        let start = Date()
        defer { model.appearanceBank = nil }  // the epoch's bank is not saved with its weights: the final pass makes the kept one
        let (statistics, _) = try headStatistics(model: model, split: trainer.split, context: context, seed: member.seed,
                                                 last: member.last, completedEpochs: completedEpochs, announce: false)
        let outcome = try scoreReplays(scorer: model, statistics: statistics, videos: context.validationVideos(of: trainer.split), context: context,
                                       during: "\(epochName)'s replay check", completedEpochs: completedEpochs, last: member.last)
        guard let outcome, let best = outcome.aucs.compactMap({ $0 }).max() else {
            Terminal.note("train: warning: \(epochName)'s replays have no frame AUC; it is judged by its \(fallback)", quiet: false)
            return nil
        }
        Terminal.note(String(format: "%@: replay frame AUC %.4f (sigma %@; %d frames) | %.0f s", epochName, best,
                             outcome.sigma.formatted(), outcome.frames, Date().timeIntervalSince(start)), quiet: quiet)
        return best
    }

    /// Whether some validation video has enough frames for a replay with abnormal segments (`PseudoAnomalies`).
    private func replayableValidationVideoExists(split: ValidationSplit, context: RunContext) throws -> Bool {
        let needed = PseudoAnomalies.minimumFrameCount()
        for video in context.validationVideos(of: split) {
            let reader = try FrameReader(path: video.path)
            var count = 0
            while count < needed, try reader.next() != nil { count += 1 }
            if count >= needed { return true }
        }
        return false
    }

    /// The validation `videos` replayed with abnormal segments and scored (`SigmaCalibration`); nil when none is long
    /// enough. A stop request ends the run as interrupted `during` that step.
    private func scoreReplays(scorer: ObjectScorer, statistics: HeadStatistics, videos: [VideoSource], context: RunContext,
                              during step: String, completedEpochs: Int, last: String) throws -> SigmaCalibration.Outcome? {
        do {
            return try SigmaCalibration.run(model: scorer, statistics: statistics, videos: videos, batch: batch, cropShape: shape,
                                            makeDetector: context.makeDetector, shouldStop: { Interrupt.received != nil })
        } catch is TrainingStopped {
            throw interrupted(during: step, completedEpochs: completedEpochs, last: last)
        }
    }

    /// The scoring σ, chosen on the validation videos replayed with abnormal segments (no test labels): the σ and the
    /// table of every σ's frame AUC ("sigma:auc,..."), or nil when no σ could be chosen (a warning says why: the
    /// model is complete without one).
    private func chooseSigma(scorer: ObjectScorer, statistics: HeadStatistics, split: ValidationSplit, context: RunContext,
                             completedEpochs: Int, last: String) throws -> (sigma: Double, table: String)? {
        let calibrationVideos = context.validationVideos(of: split)
        do {
            Terminal.note("train: choosing the scoring sigma on \(calibrationVideos.map { $0.name }.joined(separator: ", ")) replayed with fast-forwarded and reversed segments", quiet: quiet)
            guard let chosen = try scoreReplays(scorer: scorer, statistics: statistics, videos: calibrationVideos, context: context,
                                                during: "the sigma calibration", completedEpochs: completedEpochs, last: last) else {
                Terminal.note("train: no validation video is long enough (\(PseudoAnomalies.minimumFrameCount()) frames) to choose the scoring sigma; score uses 0 unless --sigma is given", quiet: quiet)
                return nil
            }
            var pairs: [String] = []
            for (s, a) in zip(SigmaCalibration.grid, chosen.aucs) {
                pairs.append("\(s.formatted()):" + (a.map { String(format: "%.4f", $0) } ?? "n/a"))
            }
            let table = pairs.joined(separator: ",")
            Terminal.note("train: scoring sigma \(chosen.sigma.formatted()) (pseudo-anomaly frame AUC by sigma: \(table); \(chosen.frames) frames)", quiet: quiet)
            return (chosen.sigma, table)
        } catch let stopped as Interrupted {
            throw stopped
        } catch {
            // The model is complete without it: a failed calibration (e.g. no space for the replay frames) is a warning.
            Terminal.note("ssmtl: warning: could not choose the scoring sigma (\(error)); \(out) is complete, score uses 0 unless --sigma is given", quiet: false)
            return nil
        }
    }

    /// Self-distillation (spec §5): with the best main weights frozen, the student decoder is trained to reproduce
    /// the middle-box decoder; the best student (`--select-student`: lowest validation discrepancy, or highest replay
    /// frame AUC) joins the best checkpoint.
    private func trainStudent(model: MultiTaskModel, info: inout CheckpointInfo, trainer: Trainer, member: MemberRun,
                              context: RunContext) throws {
        guard info.studentEpoch < info.studentEpochsPlanned else { return }
        if info.studentEpoch == 0 {
            // Start from the best main weights (the last epoch's may be worse) and the student's initial weights (the
            // best checkpoint holds a trained student when --retrain-student discarded it; otherwise this changes nothing).
            let best = try ModelCheckpoint.loadWeights(member.out, into: model)
            info.bestEpoch = best.bestEpoch
            info.bestValidationLoss = best.bestValidationLoss
            info.bestReplayAUC = best.bestReplayAUC
            model.restartStudent(seed: member.seed)
            info.studentSelection = studentSelection
        }
        let checksReplays = try studentSelection == .replay && replayableValidationVideoExists(split: trainer.split, context: context)
        let phase = StudentPhase(model: model)
        while info.studentEpoch < info.studentEpochsPlanned {
            let k = info.studentEpoch
            let bar = ProgressBar("student \(k + 1)/\(info.studentEpochsPlanned)", total: nil, unit: "objects", quiet: quiet)
            let start = Date()
            let train: TaskMetrics, validation: TaskMetrics
            do {
                // Epoch numbers after the main ones keep the data order and crops independent of the main phase.
                (train, validation) = try trainer.runEpoch(epochs + k, model: phase, shouldStop: { Interrupt.received != nil }) { done, running in
                    bar.detail = String(format: "student L1 %.4f", running.distillationLoss)
                    bar.advance(by: done - bar.count)
                }
            } catch is TrainingStopped {
                bar.finish()
                throw interrupted(during: "student epoch \(k + 1)", completedEpochs: info.epoch, last: member.last)
            }
            bar.finish()
            info.studentEpoch = k + 1
            let loss = validation.objects > 0 ? validation.distillationLoss : train.distillationLoss
            Terminal.note(String(format: "student epoch %d: train L1 %.5f | validation L1 %.5f | %.0f s",
                                 k + 1, train.distillationLoss, loss, Date().timeIntervalSince(start)), quiet: quiet)
            model.studentTrained = true
            var replayAUC: Double?
            if studentSelection == .replay {
                replayAUC = checksReplays ? try self.replayAUC(of: "student epoch \(k + 1)", model: model, trainer: trainer, context: context,
                                                               member: member, completedEpochs: info.epoch, fallback: "validation discrepancy") : nil
                info.studentReplayAUCs = Self.appending(to: info.studentReplayAUCs, epoch: k + 1, replayAUC: replayAUC)
            }
            if studentSelection.replacesBest(loss: loss, replayAUC: replayAUC, bestLoss: info.bestStudentLoss, bestReplayAUC: info.bestStudentReplayAUC) {
                info.bestStudentLoss = loss
                info.bestStudentReplayAUC = replayAUC
                info.bestStudentEpoch = k + 1
                try ModelCheckpoint.save(model, info: info, to: member.out, includeOptimizer: false)
            }
            try ModelCheckpoint.save(model, info: info, to: member.last, includeOptimizer: true)
        }
        if studentSelection == .replay && !checksReplays {
            Terminal.note("train: warning: no validation video is long enough (\(PseudoAnomalies.minimumFrameCount()) frames) to replay; the student epochs were judged by their validation discrepancy", quiet: false)
        }
    }

    /// The error that ends an interrupted run, saying what is on disk and how to go on.
    private func interrupted(during what: String, completedEpochs: Int, last: String) -> Interrupted {
        let saved = completedEpochs == 0 || !FileManager.default.fileExists(atPath: last)
            ? "no epoch was completed, nothing to resume"
            : "\(last) holds epoch \(completedEpochs); continue with the same command and --resume"
                + (retrainStudent ? " but without --retrain-student (which would discard the new student's epochs)" : "")
        return Interrupted(signal: Interrupt.received ?? SIGINT, description: "train: interrupted during \(what): \(saved)")
    }

    /// Statistics that leave every score as it is (mean 0, std 1), so the statistics pass sees raw scores.
    static let rawScores = HeadStatistics(mean: HeadScores.names.map { _ in 0 }, std: HeadScores.names.map { _ in 1 })

    /// Mean and standard deviation of each network head's raw score over the objects of `statisticsVideos`, and the
    /// appearance bank: a sample of the features of the objects of `bankVideos` (the training split; the validation
    /// videos stay out, so the sigma replays of them see unfamiliar objects as a test video would), set on `model`.
    /// Held-out statistics matter because the heads score the objects they were fitted on lower and more evenly than
    /// unseen normal ones, by a different amount per head (ped2-knn/RULE.txt, tenth step).
    /// `completedEpochs` is what an interruption reports as saved; without `announce` (the per-epoch pass of
    /// `--select-epoch replay`, repeated every epoch) the bank line and the warnings are left to the final pass.
    private func headStatistics(model: MultiTaskModel, split: ValidationSplit, context: RunContext, seed: UInt64, last: String,
                                completedEpochs: Int? = nil, announce: Bool = true) throws -> (HeadStatistics, String) {
        let videos = context.videos, cache = context.cache
        let bankVideos = split.byObject ? Set(videos.indices) : Set(videos.indices).subtracting(split.validationVideos)
        let validationSources = split.videosWithValidationObjects(videoCount: videos.count)
        let statisticsVideos = HeadStatisticsSource(rawValue: headStatisticsSource) == .all ? Set(videos.indices) : Set(validationSources)
        let tailCalibrated = ScoreCalibration(rawValue: calibration) == .tail
        var all = HeadMoments(keepsValues: tailCalibrated), heldOut = HeadMoments(keepsValues: tailCalibrated)
        let sampler = AppearanceSampler(capacity: appearanceBankSize, seed: seed)
        model.appearanceBank = nil
        defer { model.appearanceSampler = nil }
        for (v, video) in videos.enumerated() {
            if Interrupt.received != nil { throw interrupted(during: "the head statistics pass", completedEpochs: completedEpochs ?? epochs, last: last) }
            sampler.beginVideo(v)
            model.appearanceSampler = bankVideos.contains(v) ? sampler : nil
            var options = VideoScorer.Options()
            options.batchSize = batch
            options.cropShape = shape
            let scorer = VideoScorer(detector: cache.detector(video: v), scorer: model,
                                     statistics: Self.rawScores, options: options)
            let result = try scorer.score(FrameReader(path: video.path))
            for object in result.objects {
                all.add(object.heads)
                if statisticsVideos.contains(v) { heldOut.add(object.heads) }
            }
        }
        // A spread measured on a handful of objects could be near 0 and blow one head's z-scores up.
        let minimumHeldOut = 30
        let heldOutAsked = statisticsVideos.count < videos.count
        let useHeldOut = heldOutAsked && heldOut.count >= minimumHeldOut
        if heldOutAsked && !useHeldOut {
            Terminal.note("train: warning: only \(heldOut.count) objects in the held-out videos (fewer than \(minimumHeldOut)); the heads are standardised on all \(all.count) objects", quiet: !announce)
        }
        let moments = useHeldOut ? heldOut : all
        let described = useHeldOut
            ? "held-out: \(statisticsVideos.sorted().map { videos[$0].name }.joined(separator: ", ")) (\(heldOut.count) objects)"
            : "all: \(all.count) objects"
        guard let (mean, std) = moments.meanAndStd() else {
            Terminal.note("train: warning: fewer than two objects: the head scores are not standardised", quiet: !announce)
            return (HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1]), "none")
        }
        var tails = tailCalibrated ? moments.tails() : nil
        guard let appearance = sampler.finish(score: AppearanceScore(rawValue: appearanceScore) ?? .nearest) else {
            Terminal.note("train: no appearance score (too few training objects to measure its normal spread)", quiet: quiet || !announce)
            return (calibrated(mean: mean, std: std, tails: tails, headSample: moments.count, appearanceSample: 0, announce: announce), described)
        }
        model.appearanceBank = appearance.bank
        let measure = appearance.bank.gaussian.map { String(format: "Mahalanobis distance (Ledoit-Wolf shrinkage %.3f)", $0.shrinkage) } ?? "nearest distance"
        Terminal.note("train: appearance bank of \(appearance.bank.count) of \(sampler.offered) training objects (\(appearance.bank.dimension) features each); normal \(measure) "
                      + String(format: "%.4f ± %.4f", appearance.mean, appearance.std), quiet: quiet || !announce)
        var withAppearance = (mean: mean, std: std)
        withAppearance.mean[HeadScores.appearanceIndex] = appearance.mean
        withAppearance.std[HeadScores.appearanceIndex] = appearance.std
        tails?[HeadScores.appearanceIndex] = ScoreTail(sample: appearance.normalScores)
        return (calibrated(mean: withAppearance.mean, std: withAppearance.std, tails: tails,
                           headSample: moments.count, appearanceSample: appearance.normalScores.count, announce: announce), described)
    }

    /// The statistics with the tail calibration when every score the z-scores would use (a spread on normal objects)
    /// has a usable tail measured on at least `ScoreTail.minimumSample` values; otherwise, with a warning, the
    /// z-scores. So a tail-calibrated model averages exactly the scores a z-scored one would (ensemble members agree
    /// whatever their data), and a score is never left out only because its top 5% happen to tie. A score without a
    /// spread (the appearance score without a bank, a head the network lacks) gets an absent tail.
    /// `headSample` / `appearanceSample`: how many normal values the network heads' tails and the appearance score's
    /// were measured on.
    private func calibrated(mean: [Float], std: [Float], tails: [ScoreTail]?, headSample: Int, appearanceSample: Int,
                            announce: Bool) -> HeadStatistics {
        guard var tails else { return HeadStatistics(mean: mean, std: std) }
        var missing: [String] = []
        for h in tails.indices {
            let sample = h == HeadScores.appearanceIndex ? appearanceSample : headSample
            if std[h] <= 0 { tails[h] = .absent; continue }
            if !tails[h].isUsable || sample < ScoreTail.minimumSample { missing.append(HeadScores.names[h]) }
        }
        guard missing.isEmpty else {
            Terminal.note("train: warning: no usable tail calibration for \(missing.joined(separator: ", ")) (fewer than \(ScoreTail.minimumSample) normal values, or its top 5% tied); the scores are z-calibrated instead", quiet: !announce)
            return HeadStatistics(mean: mean, std: std)
        }
        return HeadStatistics(mean: mean, std: std, tails: tails)
    }
}

/// Running sums of every score (HeadScores.names order), for their mean and standard deviation. The appearance
/// score is 0 in the statistics pass (its bank is built there) and gets its moments from the bank; a head the
/// network lacks scores 0 everywhere, so its spread is 0 and it is left out of the object score.
struct HeadMoments {
    private var sums = [Double](repeating: 0, count: HeadScores.names.count)
    private var squares = [Double](repeating: 0, count: HeadScores.names.count)
    /// Every value, for the tail calibration's quantiles (24 bytes an object; kept only when asked for).
    private var values = [[Float]](repeating: [], count: HeadScores.names.count)
    private let keepsValues: Bool
    private(set) var count = 0

    init(keepsValues: Bool = false) { self.keepsValues = keepsValues }

    mutating func add(_ heads: [Float]) {
        for h in sums.indices {
            sums[h] += Double(heads[h]); squares[h] += Double(heads[h]) * Double(heads[h])
            if keepsValues { values[h].append(heads[h]) }
        }
        count += 1
    }

    /// Each score's tail calibration (the appearance entry is a placeholder: its normal values come from the bank).
    func tails() -> [ScoreTail] {
        precondition(keepsValues, "the tail calibration needs the values")
        return values.map { ScoreTail(sample: $0) }
    }

    /// nil below two objects, where a spread means nothing.
    func meanAndStd() -> (mean: [Float], std: [Float])? {
        guard count > 1 else { return nil }
        let mean = sums.map { $0 / Double(count) }
        let std = sums.indices.map { h in max(0, squares[h] / Double(count) - mean[h] * mean[h]).squareRoot() }
        return (mean.map(Float.init), std.map(Float.init))
    }
}

/// Which objects standardise the network heads (`train --head-statistics`).
enum HeadStatisticsSource: String, CaseIterable {
    case heldOut = "held-out"
    case all
}
