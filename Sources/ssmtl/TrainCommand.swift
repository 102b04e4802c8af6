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
            Every epoch streams the training videos (decode -> detect -> crop the same box in frames i-3...i+3 and in an
            irregular sequence up to 15 frames away) through a bounded shuffle buffer into batches. 10% of the videos
            (one at least; every tenth object when there is a single video) are held out for validation. After every
            epoch MODEL.last.safetensors (weights + Adam state) is written, and MODEL.safetensors whenever the
            validation loss is the lowest so far. At the end, the per-head score statistics of the training objects
            are computed with the best weights and stored in MODEL.safetensors. --resume continues from
            MODEL.last.safetensors and gives the same weights as an uninterrupted run with the same seed.
            """)

    @Argument(help: "Normal (training) videos: files, frame folders, or folders of those.")
    var inputs: [String]

    @Option(help: "Output model path (.safetensors).")
    var out: String

    @Option(help: "Network variant: shallow-narrow | shallow-wide | deep-narrow | deep-wide.")
    var variant: String = Variant.shallowNarrow.rawValue

    @Option(help: "Number of epochs.")
    var epochs = 10

    @Option(help: "Objects per batch.")
    var batch = 64

    @Option(help: "Adam learning rate.")
    var lr: Float = 1e-3

    @Option(help: "Random seed (initialisation, sampling, shuffling, dropout).")
    var seed: UInt64 = 1

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
        guard epochs >= 1, batch >= 2, shuffleBuffer >= batch else {
            throw ValidationError("--epochs must be at least 1, --batch at least 2, --shuffle-buffer at least --batch")
        }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
    }

    var lastPath: String {
        out.hasSuffix(".safetensors") ? String(out.dropLast(".safetensors".count)) + ".last.safetensors" : out + ".last"
    }

    func run() throws {
        Threads.configure(threads: threads)
        let videos = try discoverVideos(inputs)
        let yolo = try detectorOptions.loadYOLO(quiet: quiet)
        let teacherWidth = detectorOptions.teacherWidth(of: yolo)

        var model: MultiTaskModel
        var info: CheckpointInfo
        if resume {
            (model, info) = try ModelCheckpoint.load(lastPath, restoreOptimizer: true)
            guard info.variant.rawValue == variant, info.seed == seed, info.batchSize == batch, info.teacherWidth == teacherWidth else {
                throw CheckpointError(lastPath, "was written with other settings (variant \(info.variant.rawValue), seed \(info.seed), batch \(info.batchSize)); resume with the same ones")
            }
            info.epochsPlanned = epochs
            Terminal.note("train: resuming after epoch \(info.epoch) of \(epochs)", quiet: quiet)
        } else {
            model = MultiTaskModel(variant: Variant(rawValue: variant)!, teacherWidth: teacherWidth, learningRate: lr, seed: seed)
            info = CheckpointInfo(variant: model.net.config.variant, teacherWidth: teacherWidth, learningRate: lr, batchSize: batch,
                                  seed: seed, epochsPlanned: epochs, detector: detectorOptions.settings)
        }

        var options = Trainer.Options()
        options.batchSize = batch
        options.shuffleCapacity = shuffleBuffer
        options.seed = seed
        options.side = model.cropSide
        options.teacherWidth = teacherWidth
        let cache = DetectionCache(videos: videos) { video in try detectorOptions.detector(for: video, yolo: yolo) }
        let trainer = Trainer(videos: videos, detections: cache, options: options)
        let held = trainer.split.byObject ? "every tenth object" : trainer.split.validationVideos.sorted().map { videos[$0].name }.joined(separator: ", ")
        Terminal.note("train: \(videos.count) videos, validation: \(held); variant \(variant), batch \(batch), lr \(lr), seed \(seed)", quiet: quiet)

        while info.epoch < epochs {
            let epoch = info.epoch
            let bar = ProgressBar("epoch \(epoch + 1)/\(epochs)", total: nil, unit: "objects", quiet: quiet)
            let start = Date()
            let (train, validation) = try trainer.runEpoch(epoch, model: model) { done, running in
                bar.detail = String(format: "aot %.3f mi %.3f mb %.4f kd %.4f", running.aotLoss, running.miLoss, running.middleBoxLoss, running.distillationLoss)
                bar.advance(by: done - bar.count)
            }
            bar.finish()
            guard train.objects > 0 else {
                throw CommandFailure("no objects were detected in the training videos: nothing to train on (check the detector settings)")
            }
            info.epoch = epoch + 1
            let seconds = Date().timeIntervalSince(start)
            let validationLoss = validation.objects > 0 ? validation.total : train.total
            Terminal.note(String(format: "epoch %d: train loss %.4f (aot %.3f mi %.3f mb %.4f kd %.4f) | validation loss %.4f, aot acc %.3f, mi acc %.3f, %d objects | %.0f s, %.1f objects/s",
                                 epoch + 1, train.total, train.aotLoss, train.miLoss, train.middleBoxLoss, train.distillationLoss,
                                 validationLoss, validation.aotAccuracy, validation.miAccuracy, validation.objects, seconds,
                                 Double(train.objects) / max(seconds, 1e-9)), quiet: quiet)
            if validationLoss < info.bestValidationLoss {
                info.bestValidationLoss = validationLoss
                info.bestEpoch = epoch + 1
                try ModelCheckpoint.save(model, info: info, to: out, includeOptimizer: false)
            }
            try ModelCheckpoint.save(model, info: info, to: lastPath, includeOptimizer: true)
        }

        // Head statistics of the training objects, with the best weights.
        let (best, bestInfo) = try ModelCheckpoint.load(out)
        var final = bestInfo
        final.headStatistics = try headStatistics(model: best, videos: videos, yolo: yolo)
        final.epoch = info.epoch
        final.epochsPlanned = epochs
        try ModelCheckpoint.save(best, info: final, to: out, includeOptimizer: false)
        let stats = final.headStatistics!
        Terminal.note("train: best epoch \(final.bestEpoch) (validation loss \(String(format: "%.4f", final.bestValidationLoss))); head mean \(stats.mean), std \(stats.std); wrote \(out)", quiet: quiet)
    }

    /// Mean and standard deviation of each head's raw score over the objects of the training videos.
    private func headStatistics(model: MultiTaskModel, videos: [VideoSource], yolo: YoloDetector?) throws -> HeadStatistics {
        var sums = [Double](repeating: 0, count: 4), squares = sums
        var count = 0
        for video in videos {
            var options = VideoScorer.Options()
            options.batchSize = batch
            let scorer = VideoScorer(detector: try detectorOptions.detector(for: video, yolo: yolo), scorer: model,
                                     statistics: HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1]), options: options)
            let result = try scorer.score(FrameReader(path: video.path))
            for object in result.objects {
                for h in 0..<4 { sums[h] += Double(object.heads[h]); squares[h] += Double(object.heads[h] * object.heads[h]) }
                count += 1
            }
        }
        guard count > 1 else { return HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1]) }
        let mean = sums.map { $0 / Double(count) }
        let std = (0..<4).map { h in max(0, squares[h] / Double(count) - mean[h] * mean[h]).squareRoot() }
        return HeadStatistics(mean: mean.map(Float.init), std: std.map(Float.init))
    }
}
