import AtomicFile
import Detection
import Foundation
import NeuralNet
import VideoIO

/// One training run on normal videos, from the first epoch (or a resumed one) to the finished model:
///
/// 1. main epochs (`Trainer`): all four tasks on about `objectsPerEpoch` objects each, the learning rate lowered
///    along half a cosine; the epoch with the lowest validation loss is kept;
/// 2. student epochs (self-distillation, motion detector only); the one with the lowest validation discrepancy is kept;
/// 3. the normal statistics and the appearance bank, with the kept weights (`NormalStatistics`);
/// 4. the scoring σ, chosen on the validation videos' replays (`SigmaCalibration`).
///
/// No epoch is judged by the replays: they saturate on normal validation videos, and judging every epoch by them
/// picked the luckiest of noisy values at a third of the run's time (docs/experiments.md, steps 25 and 26).
///
/// Two files: `MODEL.last.safetensors` after every epoch (weights and Adam state: what a resume continues from) and
/// `MODEL.safetensors` whenever an epoch is the best so far, finished at the end with the statistics, bank and σ.
/// Every random draw of an epoch depends on (seed, epoch) only, so a resumed run writes the uninterrupted run's bytes.
public final class TrainingRun {
    public let videos: [VideoSource]
    public let modelPath: String
    public let options: TrainingOptions

    /// The training checkpoint beside the model: `m.safetensors` -> `m.last.safetensors`.
    public var lastPath: String { Self.lastPath(of: modelPath) }

    public static func lastPath(of modelPath: String) -> String {
        modelPath.hasSuffix(".safetensors") ? String(modelPath.dropLast(".safetensors".count)) + ".last.safetensors" : modelPath + ".last"
    }

    public init(videos: [VideoSource], modelPath: String, options: TrainingOptions) {
        self.videos = videos
        self.modelPath = modelPath
        self.options = options
    }

    // Set by `run` for the helpers of its phases.
    var events: (TrainingEvent) -> Void = { _ in }
    var isCancelled: () -> Bool = { false }
    var detector: LoadedDetector!
    var detections: DetectionCache!
    var trainer: Trainer!
    var timings = TrainingTimings()

    /// Trains, writes the model and returns its checkpoint info. `events` are reported on this thread; `isCancelled`
    /// is polled between batches, and a cancelled run throws `TrainingCancelled` after saving what it finished.
    @discardableResult
    public func run(events: @escaping (TrainingEvent) -> Void = { _ in },
                    isCancelled: @escaping () -> Bool = { false }) throws -> CheckpointInfo {
        if let problem = options.problem { throw TrainingFailure(problem) }
        let start = Date()
        timings = TrainingTimings()
        guard !videos.isEmpty else { throw TrainingFailure("no training videos") }
        self.events = events
        self.isCancelled = isCancelled
        Threads.configure(threads: options.threads, preferBLAS: false)
        try OutputPaths.checkFile(modelPath, what: "the model file")
        // Checkpoint temporaries of a run killed outright (kill -9) go; they never stand for a checkpoint.
        let modelFolder = (modelPath as NSString).deletingLastPathComponent
        for name in removeTemporariesOfEndedProcesses(in: modelFolder) {
            events(.note("removed \(name), the unfinished file of a run that was killed"))
        }
        detector = try options.detector.load()
        for warning in detector.warnings { events(.warning(warning)) }
        // Detections are computed in the first epoch and reused: they depend on the detector only.
        detections = DetectionCache(videos: videos) { [detector] in try detector!.detector(for: $0) }

        let (model, startInfo) = try startingPoint()
        var info = startInfo
        // The features only serve the final statistics pass, so a finished run resumed with other weights (or none)
        // measures its bank again with those.
        model.pretrainedAppearance = try options.appearanceWeights.map { try PretrainedAppearance(weightsPath: $0, side: model.cropSide) }
        // The absolute path: `score` may run from another folder.
        info.appearanceWeights = model.pretrainedAppearance.map {
            AppearanceWeights(path: URL(fileURLWithPath: $0.weightsPath).standardizedFileURL.path, checksum: $0.checksum)
        }
        // The trainer's split is known before its stride is.
        var trainerOptions = trainerOptions(side: model.cropSide)
        let split = trainerOptions.split(videoCount: videos.count)
        let held = split.byObject ? "every tenth object" : split.validationVideos.sorted().map { videos[$0].name }.joined(separator: ", ")
        events(.started(TrainingStart(videos: videos.count, validation: held,
                                      resumedAfterEpoch: options.resume ? info.epoch : nil, epochs: options.epochs)))
        if let appearance = model.pretrainedAppearance {
            events(.note("appearance features: COCO YOLOv3-tiny layers 0-13 (\(appearance.weightsPath), crc32 \(appearance.checksum))"))
        }
        info.frameStride = try frameStride(split: split)
        trainerOptions.frameStride = info.frameStride
        trainer = Trainer(videos: videos, detections: detections, options: trainerOptions)

        try trainMainEpochs(model: model, info: &info)
        try trainStudent(model: model, info: &info)
        let final = try finish(model: model, info: info)
        timings.total = Date().timeIntervalSince(start)
        events(.finished(timings))
        return final
    }

    /// A new model, or the training checkpoint to resume, checked against the options.
    private func startingPoint() throws -> (MultiTaskModel, CheckpointInfo) {
        let teacherWidth = detector.teacherWidth
        guard options.resume else {
            let model = MultiTaskModel(config: options.network, teacherWidth: teacherWidth, learningRate: options.learningRate, seed: options.seed)
            var info = CheckpointInfo(network: options.network, teacherWidth: teacherWidth, learningRate: options.learningRate,
                                      batchSize: options.batchSize, seed: options.seed, epochsPlanned: options.epochs,
                                      detector: options.detector.record)
            info.fastForwardShare = options.fastForwardShare
            info.mirror = options.mirror
            info.objectsPerEpoch = options.objectsPerEpoch
            info.studentEpochsPlanned = model.selfDistillation ? options.studentEpochs : 0
            return (model, info)
        }
        let (model, loaded) = try ModelCheckpoint.load(lastPath, restoreOptimizer: true)
        try checkSettings(loaded, path: lastPath, teacherWidth: teacherWidth)
        var info = loaded
        info.epochsPlanned = options.epochs
        info.studentEpochsPlanned = model.selfDistillation ? options.studentEpochs : 0
        return (model, info)
    }

    /// The frame stride that brings an epoch to about `objectsPerEpoch` training objects (1 without a target). The
    /// detector runs over every video first (its boxes are cached for the epochs) to count them.
    private func frameStride(split: ValidationSplit) throws -> Int {
        guard options.objectsPerEpoch > 0 else { return 1 }
        var objects = 0
        // Frames go to the detector a few at a time: YOLO detects them a frame per worker.
        let chunk = max(1, Threads.swiftWorkers)
        for (v, video) in videos.enumerated() {
            let reader = try FrameReader(path: video.path)
            var inVideo = 0
            var pending: [Frame] = []
            func flush() throws {
                inVideo += try detections.objects(video: v, frames: pending).reduce(0) { $0 + $1.count }
                pending.removeAll(keepingCapacity: true)
            }
            while let frame = try reader.next() {
                if isCancelled() { throw cancelled(during: "the detection pass", savedEpochs: 0) }
                pending.append(frame)
                if pending.count == chunk { try flush() }
            }
            try flush()
            objects += split.trainingObjects(video: v, objects: inVideo)
        }
        let stride = max(1, (objects + options.objectsPerEpoch - 1) / options.objectsPerEpoch)
        events(.note(stride == 1 ? "\(objects) training objects; each epoch takes all of them"
                     : "\(objects) training objects; each epoch takes the objects of one frame in \(stride) (about \(objects / stride))"))
        return stride
    }

    /// The trainer's options for crops of `side` pixels; every epoch takes every frame until `frameStride` is set.
    func trainerOptions(side: Int) -> Trainer.Options {
        var t = Trainer.Options()
        t.batchSize = options.batchSize
        t.shuffleCapacity = options.shuffleCapacity
        t.seed = options.seed
        t.side = side
        t.teacherWidth = detector.teacherWidth
        t.fastForwardShare = options.fastForwardShare
        t.mirror = options.mirror
        return t
    }

    /// A checkpoint written with other settings cannot be continued.
    private func checkSettings(_ info: CheckpointInfo, path: String, teacherWidth: Int) throws {
        guard info.network == options.network, info.seed == options.seed, info.batchSize == options.batchSize,
              info.teacherWidth == teacherWidth, info.fastForwardShare == options.fastForwardShare, info.mirror == options.mirror,
              info.objectsPerEpoch == options.objectsPerEpoch else {
            throw CheckpointError(path, "was written with other settings (variant \(info.variant.rawValue), encoder \(info.network.encoderPlanText), crop size \(info.network.cropSize), seed \(info.seed), batch \(info.batchSize), distillation target of \(info.teacherWidth) values, fast-forward share \(info.fastForwardShare), mirror \(info.mirror), objects per epoch \(info.objectsPerEpoch)); resume with the same ones")
        }
        // The cosine schedule is laid out over the planned epochs: another count would change the rates.
        guard info.epochsPlanned == options.epochs else {
            throw CheckpointError(path, "was written for \(info.epochsPlanned) epochs; resume with --epochs \(info.epochsPlanned)")
        }
    }

    // MARK: - Main epochs

    private func trainMainEpochs(model: MultiTaskModel, info: inout CheckpointInfo) throws {
        let epochs = options.epochs
        while info.epoch < epochs {
            let epoch = info.epoch
            let phase = TrainingPhase.main(epoch: epoch + 1, of: epochs)
            model.optimizer.lr = LearningRateSchedule.rate(base: info.learningRate, epoch: epoch, epochs: epochs)
            let report = try runEpoch(epoch, phase: phase, model: model, savedEpochs: epoch, learningRate: model.optimizer.lr)
            guard report.train.objects > 0 else {
                throw TrainingFailure("no objects were detected in the training videos: nothing to train on (check the detector settings)")
            }
            info.epoch = epoch + 1
            // An equal loss keeps the earlier epoch.
            if report.validationLoss < info.bestValidationLoss {
                info.bestValidationLoss = report.validationLoss
                info.bestEpoch = epoch + 1
                try ModelCheckpoint.save(model, info: info, to: modelPath, includeOptimizer: false)
            }
            try ModelCheckpoint.save(model, info: info, to: lastPath, includeOptimizer: true)
        }
    }

    /// One epoch of `model` (the network or its student phase), reported as it goes.
    func runEpoch(_ epoch: Int, phase: TrainingPhase, model: TrainableModel, savedEpochs: Int, learningRate: Float) throws -> EpochReport {
        events(.epochStarted(phase))
        let start = Date()
        let train: TaskMetrics, validation: TaskMetrics
        do {
            (train, validation) = try trainer.runEpoch(epoch, model: model, shouldStop: isCancelled) { done, running in
                self.events(.batchTrained(phase, objects: done, running: running))
            }
        } catch is TrainingStopped {
            throw cancelled(during: phase.name, savedEpochs: savedEpochs)
        }
        let report = EpochReport(phase: phase, train: train, validation: validation,
                                 validationLoss: validation.objects > 0 ? validation.total : train.total,
                                 seconds: Date().timeIntervalSince(start), learningRate: learningRate, timings: trainer.lastEpochTimings)
        if case .main = phase { timings.mainEpochs += report.seconds } else { timings.studentEpochs += report.seconds }
        timings.stages.add(report.timings)
        events(.epochFinished(report))
        return report
    }

    // MARK: - Replays

    /// The validation videos: the ones replayed with abnormal segments.
    var validationVideos: [VideoSource] {
        trainer.split.videosWithValidationObjects(videoCount: videos.count).map { videos[$0] }
    }

    /// The validation videos replayed with abnormal segments and scored; nil when none is long enough.
    func scoreReplays(model: ObjectScorer, statistics: HeadStatistics, during step: String, savedEpochs: Int) throws -> SigmaCalibration.Outcome? {
        do {
            return try SigmaCalibration.run(model: model, statistics: statistics, videos: validationVideos, batch: options.batchSize,
                                            makeDetector: { [detector] in try detector!.detector(for: $0) }, isCancelled: isCancelled)
        } catch is TrainingStopped {
            throw cancelled(during: step, savedEpochs: savedEpochs)
        }
    }

    func normalStatistics(model: MultiTaskModel, savedEpochs: Int, warn: (String) -> Void) throws -> NormalStatistics {
        do {
            return try NormalStatistics.measure(model: model, videos: videos, detections: detections, split: trainer.split,
                                                batch: options.batchSize, bankCapacity: options.appearanceBankCapacity,
                                                seed: options.seed, warn: warn,
                                                isCancelled: isCancelled, progress: { self.events(.statisticsProgress(frames: $0)) })
        } catch is TrainingStopped {
            throw cancelled(during: "the head statistics pass", savedEpochs: savedEpochs)
        }
    }

    /// The error that ends a cancelled run, saying what is on disk.
    func cancelled(during what: String, savedEpochs: Int) -> TrainingCancelled {
        let resumable = savedEpochs > 0 && FileManager.default.fileExists(atPath: lastPath)
        return TrainingCancelled(during: what, savedEpochs: savedEpochs, checkpoint: resumable ? lastPath : nil)
    }

    // MARK: - Finishing

    /// The kept weights with their normal statistics, appearance bank and σ, written to the model file.
    private func finish(model: MultiTaskModel, info: CheckpointInfo) throws -> CheckpointInfo {
        // The best checkpoint's weights are loaded into the training model (a second model would double the
        // activation memory), and the detections cached during training are reused.
        var final = try ModelCheckpoint.loadWeights(modelPath, into: model)
        let statisticsStart = Date()
        events(.statisticsStarted(videos: videos.count, frames: videos.indices.reduce(0) { $0 + detections.frameCount(video: $1) }))
        let measured = try normalStatistics(model: model, savedEpochs: info.epoch) { self.events(.warning($0)) }
        timings.statistics = Date().timeIntervalSince(statisticsStart)
        if let bank = measured.bank {
            events(.appearanceBank(entries: bank.entries, offered: bank.offered, dimension: bank.dimension, mean: bank.mean, std: bank.std))
        } else {
            events(.note("no appearance score (too few training objects to measure its normal spread)"))
        }
        final.headStatistics = measured.statistics
        final.headStatisticsObjects = measured.objects
        final.appearanceWeights = info.appearanceWeights
        // The kept checkpoint was written at its own epoch: the counts are the run's.
        final.epoch = info.epoch
        final.epochsPlanned = options.epochs
        final.studentEpoch = info.studentEpoch
        final.studentEpochsPlanned = info.studentEpochsPlanned
        final.scoreSigma = nil
        final.scoreSigmaValidation = nil
        try ModelCheckpoint.save(model, info: final, to: modelPath, includeOptimizer: false)
        let sigmaStart = Date()
        if let (sigma, table) = try chooseSigma(model: model, statistics: measured.statistics, savedEpochs: info.epoch) {
            final.scoreSigma = sigma
            final.scoreSigmaValidation = table
            try ModelCheckpoint.save(model, info: final, to: modelPath, includeOptimizer: false)
        }
        timings.sigma = Date().timeIntervalSince(sigmaStart)
        let thresholdStart = Date()
        if let normal = try scoreNormalFrames(model: model, statistics: measured.statistics, savedEpochs: info.epoch) {
            final.normalFrameScores = normal
            final.falseAlarmPercent = options.falseAlarmPercent
            try ModelCheckpoint.save(model, info: final, to: modelPath, includeOptimizer: false)
            if let threshold = normal.threshold(falseAlarmPercent: options.falseAlarmPercent, sigma: final.scoreSigma ?? 0) {
                events(.note(String(format: "event threshold %.4g (sigma %@): ", threshold, (final.scoreSigma ?? 0).formatted())
                             + normal.description(falseAlarmPercent: options.falseAlarmPercent)))
            }
        }
        timings.threshold = Date().timeIntervalSince(thresholdStart)
        return final
    }

    /// The validation videos scored as they are (normal), up to `NormalFrameScores.maximumFramesPerVideo` frames each,
    /// before temporal smoothing: `score` sets its event threshold from them. nil (with a warning) when that fails:
    /// the model is complete without them, and `score` then needs `--threshold` for events.
    private func scoreNormalFrames(model: MultiTaskModel, statistics: HeadStatistics, savedEpochs: Int) throws -> NormalFrameScores? {
        let videos = validationVideos
        events(.note("scoring the normal validation frames of \(videos.map(\.name).joined(separator: ", ")) for the event threshold"))
        do {
            var scores: [[Double]] = []
            for video in videos {
                if isCancelled() { throw TrainingStopped(epoch: -1) }
                var scorerOptions = VideoScorer.Options()
                scorerOptions.batchSize = options.batchSize
                scorerOptions.frameLimit = NormalFrameScores.maximumFramesPerVideo
                let scorer = VideoScorer(detector: try detector!.detector(for: video), scorer: model, statistics: statistics,
                                         options: scorerOptions)
                scores.append(try scorer.score(FrameReader(path: video.path), isCancelled: isCancelled).rows.map(\.score))
            }
            return NormalFrameScores(videos: scores, names: videos.map(\.name)).atStoredPrecision
        } catch is TrainingStopped {
            throw cancelled(during: "the normal frames' scoring", savedEpochs: savedEpochs)
        } catch {
            events(.warning("could not score the normal validation frames (\(error)); \(modelPath) is complete, score writes events only with --threshold"))
            return nil
        }
    }

    /// The scoring σ, chosen on the validation replays (no test labels): the σ and every σ's frame AUC, or nil when
    /// none could be chosen (a note or warning says why: the model is complete without one).
    private func chooseSigma(model: MultiTaskModel, statistics: HeadStatistics, savedEpochs: Int) throws -> (Double, String)? {
        events(.note("choosing the scoring sigma on \(validationVideos.map(\.name).joined(separator: ", ")) replayed with fast-forwarded and reversed segments"))
        do {
            guard let chosen = try scoreReplays(model: model, statistics: statistics, during: "the sigma calibration", savedEpochs: savedEpochs) else {
                events(.note("no validation video is long enough (\(PseudoAnomalies.minimumFrameCount()) frames) to choose the scoring sigma; score uses 0 unless --sigma is given"))
                return nil
            }
            events(.sigmaChosen(sigma: chosen.sigma, table: chosen.table, frames: chosen.frames))
            return (chosen.sigma, chosen.table)
        } catch let stop as TrainingCancelled {
            throw stop
        } catch {
            // A failed calibration (e.g. no space for the replay frames) leaves a complete model: a warning.
            events(.warning("could not choose the scoring sigma (\(error)); \(modelPath) is complete, score uses 0 unless --sigma is given"))
            return nil
        }
    }
}

extension TrainingPhase {
    /// "epoch 3", "student epoch 2".
    public var name: String {
        switch self {
        case .main(let epoch, _): return "epoch \(epoch)"
        case .student(let epoch, _): return "student epoch \(epoch)"
        }
    }
}
