import Foundation
import Randomness
import Detection
import VideoIO

/// Losses (and accuracies) of the four tasks over some objects.
public struct TaskMetrics: Sendable, Equatable {
    public var objects = 0
    /// Cross-entropy, cross-entropy, L1, L1 (means over objects).
    public var aotLoss = 0.0, miLoss = 0.0, middleBoxLoss = 0.0, distillationLoss = 0.0
    /// Fraction of correct arrow-of-time / irregularity predictions.
    public var aotAccuracy = 0.0, miAccuracy = 0.0

    public init() {}

    public var total: Double { aotLoss + miLoss + middleBoxLoss + distillationLoss }

    /// Object-weighted mean of two sets of metrics.
    public mutating func accumulate(_ other: TaskMetrics) {
        let n = Double(objects), m = Double(other.objects)
        guard n + m > 0 else { return }
        func mix(_ a: Double, _ b: Double) -> Double { (a * n + b * m) / (n + m) }
        aotLoss = mix(aotLoss, other.aotLoss); miLoss = mix(miLoss, other.miLoss)
        middleBoxLoss = mix(middleBoxLoss, other.middleBoxLoss); distillationLoss = mix(distillationLoss, other.distillationLoss)
        aotAccuracy = mix(aotAccuracy, other.aotAccuracy); miAccuracy = mix(miAccuracy, other.miAccuracy)
        objects += other.objects
    }
}

/// Where an epoch's seconds go. The data thread decodes, detects (the first epoch only: detections are cached),
/// crops and assembles batches while the network thread trains: `waitingForData` is the network's idle time, the
/// part of the data thread's work the network did not hide.
public struct EpochTimings: Sendable, Equatable {
    /// Data thread.
    public var decode = 0.0, detect = 0.0, crop = 0.0, assemble = 0.0
    /// Network thread.
    public var train = 0.0, validate = 0.0, waitingForData = 0.0
    public init() {}

    public mutating func add(_ o: EpochTimings) {
        decode += o.decode; detect += o.detect; crop += o.crop; assemble += o.assemble
        train += o.train; validate += o.validate; waitingForData += o.waitingForData
    }
}

/// What the trainer needs of the multi-task network.
public protocol TrainableModel: AnyObject {
    /// Forward + backward of the four losses and one optimiser step.
    func trainStep(_ batch: TrainingBatch) throws -> TaskMetrics
    /// Losses and accuracies without updating anything (inference mode).
    func evaluate(_ batch: TrainingBatch) throws -> TaskMetrics
    /// Dropout and other training randomness restart from this seed (set at every epoch, so a resumed run
    /// draws the same numbers as an uninterrupted one).
    func reseed(_ seed: UInt64)
}

/// Splits the videos of a training set into training and validation parts: 10% of the videos (at least one)
/// when there are two or more, chosen with the seed; with a single video, every tenth object of it.
public struct ValidationSplit: Sendable, Equatable {
    public var validationVideos: Set<Int>
    public var byObject: Bool

    public init(videoCount: Int, fraction: Double = 0.1, seed: UInt64) {
        if videoCount >= 2 {
            var order = Array(0..<videoCount)
            var rng = SplitMix64(seed: seed ^ 0x5EED_0F_5B17)
            order.shuffle(using: &rng)
            let count = max(1, Int((Double(videoCount) * fraction).rounded()))
            validationVideos = Set(order.prefix(count))
            byObject = false
        } else {
            validationVideos = []
            byObject = true
        }
    }

    /// The videos holding validation objects, in index order: the validation videos, or every video when the
    /// split is by object.
    public func videosWithValidationObjects(videoCount: Int) -> [Int] {
        byObject ? Array(0..<videoCount) : validationVideos.sorted()
    }

    public func isValidation(_ example: TrainingExample, ordinal: Int) -> Bool {
        isValidationOrdinal(video: example.video, ordinal: ordinal)
    }

    /// How many of `objects` objects of video `video` train (the others validate): the count `isValidation` gives.
    public func trainingObjects(video: Int, objects: Int) -> Int {
        (0..<objects).lazy.filter { !isValidationOrdinal(video: video, ordinal: $0) }.count
    }

    private func isValidationOrdinal(video: Int, ordinal: Int) -> Bool {
        byObject ? ordinal % 10 == 9 : validationVideos.contains(video)
    }
}

/// The epoch loop: streams each video's examples through a bounded shuffle buffer into batches, trains on the
/// training part and measures the validation part. Every random draw of epoch e comes from (seed, e), so
/// starting at epoch e after a resume replays exactly what an uninterrupted run would have done.
public final class Trainer {
    public struct Options: Sendable {
        public var batchSize = 64
        public var shuffleCapacity = 2048
        public var seed: UInt64 = 1
        public var side = 64
        public var teacherWidth = 0
        public var validationFraction = 0.1
        /// Share of irregular motion sequences that are uniform fast-forwards (`TemporalOffsets.irregular`).
        public var fastForwardShare = 0.0
        /// Mirror half of the training objects left-right (`TrainingBatch`); validation batches are never mirrored.
        public var mirror = false
        /// Each epoch trains on the objects of one frame in `frameStride` (`FrameStride`); 1 = every frame.
        public var frameStride = 1
        public init() {}

        /// The validation split these options give a set of `videoCount` videos.
        public func split(videoCount: Int) -> ValidationSplit {
            ValidationSplit(videoCount: videoCount, fraction: validationFraction, seed: seed)
        }
    }

    public let videos: [VideoSource]
    public let options: Options
    public let split: ValidationSplit
    private let detections: DetectionCache
    /// The stage timings of the last epoch `runEpoch` finished.
    public private(set) var lastEpochTimings = EpochTimings()

    public init(videos: [VideoSource], detections: DetectionCache, options: Options) {
        self.videos = videos
        self.detections = detections
        self.options = options
        split = options.split(videoCount: videos.count)
    }

    /// One epoch: trains on the training examples, then measures the validation ones with the weights it ends with.
    /// `progress(objectsDone, runningTrainMetrics)` is called after every batch.
    /// `shouldStop` is polled before every batch; when it says true the epoch is abandoned with `TrainingStopped`
    /// (the model has then taken part of an epoch: restore the last checkpoint to continue).
    /// A second thread decodes, crops and assembles the batches while this one runs the network; the batches and
    /// their order depend only on (seed, epoch), as in a single-threaded run.
    public func runEpoch(_ epoch: Int, model: TrainableModel,
                         shouldStop: () -> Bool = { false },
                         progress: (Int, TaskMetrics) -> Void = { _, _ in }) throws -> (train: TaskMetrics, validation: TaskMetrics) {
        var modelRNG = SplitMix64.derived(seed: options.seed, epoch: epoch, purpose: 1)
        model.reseed(modelRNG.next())
        let batches = BoundedChannel<EpochBatch>(capacity: 2)
        let trainer = Handed(self)
        let thread = BackgroundThread { trainer.value.produceBatches(epoch: epoch, into: batches) }
        var train = TaskMetrics(), validation = TaskMetrics()
        var done = 0
        var timings = EpochTimings()
        do {
            while true {
                if shouldStop() { throw TrainingStopped(epoch: epoch) }
                // The producer may decode for a long time without sending (a long validation video is read, and its
                // objects set aside, during the training pass), so the wait itself watches for a stop request.
                let waitStart = Clock.now
                guard let next = batches.receive(giveUp: shouldStop) else { throw TrainingStopped(epoch: epoch) }
                timings.waitingForData += Clock.seconds(since: waitStart)
                let start = Clock.now
                switch next {
                case .train(let batch):
                    train.accumulate(try model.trainStep(batch))
                    timings.train += Clock.seconds(since: start)
                    done += batch.count
                    progress(done, train)
                case .validate(let batch):
                    validation.accumulate(try model.evaluate(batch))
                    timings.validate += Clock.seconds(since: start)
                case .failed(let error):
                    throw error
                case .end(let data):
                    thread.join()
                    timings.decode = data.decode; timings.detect = data.detect; timings.crop = data.crop
                    timings.assemble = data.assemble
                    lastEpochTimings = timings
                    return (train, validation)
                }
            }
        } catch {
            batches.cancel()   // the producer stops at its next batch
            thread.join()
            throw error
        }
    }

    private enum EpochBatch {
        /// `end` carries the data thread's stage timings.
        case train(TrainingBatch), validate(TrainingBatch), failed(any Error), end(EpochTimings)
    }

    /// The data side of an epoch: videos in a seeded order, streamed through the shuffle buffer into batches.
    private func produceBatches(epoch: Int, into batches: BoundedChannel<EpochBatch>) {
        var orderRNG = SplitMix64.derived(seed: options.seed, epoch: epoch, purpose: 2)
        var cropRNG = SplitMix64.derived(seed: options.seed, epoch: epoch, purpose: 3)
        var shuffleRNG = SplitMix64.derived(seed: options.seed, epoch: epoch, purpose: 4)
        var batchRNG = SplitMix64.derived(seed: options.seed, epoch: epoch, purpose: 5)
        var buffer = ShuffleBuffer<TrainingExample>(capacity: options.shuffleCapacity)
        var pending: [TrainingExample] = []
        var validationPending: [TrainingExample] = []
        // Two accumulators: the stream holds exclusive access to its own while it emits into the batches.
        var streamTimings = EpochTimings(), timings = EpochTimings()

        func trainOn(_ examples: [TrainingExample]) throws {
            let start = Clock.now
            let batch = TrainingBatch(examples: examples, side: options.side, teacherWidth: options.teacherWidth,
                                      mirror: options.mirror, rng: &batchRNG)
            timings.assemble += Clock.seconds(since: start)
            guard batches.send(.train(batch)) else { throw HandoffCancelled() }
        }
        func validateOn(_ examples: [TrainingExample]) throws {
            // Validation coin flips come from their own generator so they are the same in every epoch.
            var rng = SplitMix64(seed: options.seed ^ 0xB0A7)
            let start = Clock.now
            let batch = TrainingBatch(examples: examples, side: options.side, teacherWidth: options.teacherWidth, rng: &rng)
            timings.assemble += Clock.seconds(since: start)
            guard batches.send(.validate(batch)) else { throw HandoffCancelled() }
        }

        var stream = ExampleStream()
        stream.side = options.side
        stream.fastForwardShare = options.fastForwardShare
        /// Streams the examples of the videos `order` (of the frames `keep` accepts), each with whether it belongs to
        /// the validation split.
        func examples(of order: [Int], rng: inout SplitMix64, keep: @escaping (Int, Int) -> Bool = { _, _ in true },
                      _ emit: (TrainingExample, Bool) throws -> Void) throws {
            var ordinal = 0
            for v in order {
                if batches.isCancelled { throw HandoffCancelled() }
                let reader = try FrameReader(path: videos[v].path)
                try stream.run(reader: reader, video: v, rng: &rng, timings: &streamTimings,
                               keep: { keep(v, $0) }, skipped: { ordinal += $0 }, detections: { frame in
                    // Checked per frame, not only per video or batch: set-aside validation objects send nothing.
                    if batches.isCancelled { throw HandoffCancelled() }
                    return try self.detections.objects(video: v, frame: frame)
                }) { example in
                    defer { ordinal += 1 }
                    try emit(example, split.isValidation(example, ordinal: ordinal))
                }
            }
        }

        do {
            // Training pass. Validation examples are still drawn (and set aside) so that the training crops do not
            // depend on where in the order the validation videos fall.
            let stride = FrameStride(stride: options.frameStride, epoch: epoch)
            try examples(of: Array(videos.indices).shuffled(using: &orderRNG), rng: &cropRNG, keep: stride.keeps) { example, isValidation in
                guard !isValidation, let out = buffer.insert(example, using: &shuffleRNG) else { return }
                pending.append(out)
                if pending.count == options.batchSize { try trainOn(pending); pending.removeAll() }
            }
            pending += buffer.drain(using: &shuffleRNG)
            while !pending.isEmpty {
                let chunk = Array(pending.prefix(options.batchSize))
                pending.removeFirst(chunk.count)
                try trainOn(chunk)
            }

            // Validation pass, after the last training batch: the loss describes the weights the epoch ends with
            // (the ones a checkpoint saves), and the examples (irregular offsets, coin flips) are the same in every
            // epoch, so epochs are compared on the same objects.
            // With a frame stride, the validation objects are the same sample of frames in every epoch.
            var validationRNG = SplitMix64(seed: options.seed ^ 0x7A11_D0_5EED)
            let validationFrames = FrameStride(stride: options.frameStride, epoch: 0)
            try examples(of: split.videosWithValidationObjects(videoCount: videos.count), rng: &validationRNG,
                         keep: validationFrames.keeps) { example, isValidation in
                guard isValidation else { return }
                validationPending.append(example)
                if validationPending.count == options.batchSize { try validateOn(validationPending); validationPending.removeAll() }
            }
            if !validationPending.isEmpty { try validateOn(validationPending) }
            timings.decode = streamTimings.decode; timings.detect = streamTimings.detect; timings.crop = streamTimings.crop
            batches.send(.end(timings))
        } catch is HandoffCancelled {
        } catch {
            batches.send(.failed(error))
        }
    }
}

/// Training was asked to stop (e.g. Ctrl-C) part-way through `epoch` (0-based).
public struct TrainingStopped: Error, Equatable {
    public let epoch: Int
    public init(epoch: Int) { self.epoch = epoch }
}

/// Detections of the training videos, computed on the first pass and reused by later epochs (a list of boxes
/// per frame is small next to the frames themselves).
public final class DetectionCache {
    private let videos: [VideoSource]
    private let makeDetector: (VideoSource) throws -> ObjectDetector
    private var cache: [Int: [Int: [DetectionBox]]] = [:]
    private var detectors: [Int: ObjectDetector] = [:]

    /// `makeDetector` builds the detector of one video (a detector may keep per-video state, such as a
    /// background model, so each video gets its own, fed every frame in order).
    public init(videos: [VideoSource], makeDetector: @escaping (VideoSource) throws -> ObjectDetector) {
        self.videos = videos
        self.makeDetector = makeDetector
    }

    /// Frames of `video` whose objects are cached (all of them after the first pass).
    public func frameCount(video: Int) -> Int { cache[video]?.count ?? 0 }

    /// Total objects cached so far.
    public var objectCount: Int { cache.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } } }

    public func objects(video: Int, frame: Frame) throws -> [DetectionBox] {
        if let known = cache[video]?[frame.index] { return known }
        let found = try detector(forVideo: video).detect(frame)
        cache[video, default: [:]][frame.index] = found
        return found
    }

    /// The objects of consecutive frames of one video, detected together when the detector can
    /// (`BatchObjectDetector`: YOLO a frame per worker) and cached. Frames already cached must not be passed again
    /// after later ones (a detector with state, such as a background model, sees each frame once, in order).
    public func objects(video: Int, frames: [Frame]) throws -> [[DetectionBox]] {
        let missing = frames.filter { cache[video]?[$0.index] == nil }
        if !missing.isEmpty {
            let found = try detector(forVideo: video).detectInOrder(missing)
            for (frame, boxes) in zip(missing, found) { cache[video, default: [:]][frame.index] = boxes }
        }
        return frames.map { cache[video]![$0.index]! }
    }

    private func detector(forVideo video: Int) throws -> ObjectDetector {
        if let known = detectors[video] { return known }
        let made = try makeDetector(videos[video])
        detectors[video] = made
        return made
    }
}

extension DetectionCache {
    /// The cached detections of one video as an `ObjectDetector` (for a second pass over the same frames).
    public func detector(video: Int) -> ObjectDetector { CachedDetections(cache: self, video: video) }
}

private final class CachedDetections: ObjectDetector {
    let cache: DetectionCache, video: Int
    init(cache: DetectionCache, video: Int) { self.cache = cache; self.video = video }
    func detect(_ frame: Frame) throws -> [DetectionBox] { try cache.objects(video: video, frame: frame) }
}

/// Which frames' objects an epoch trains on. Consecutive frames hold nearly the same objects (a walker moves a pixel
/// or two), so one frame in `stride` carries most of what an epoch of every frame would, for `stride` times less
/// work. Epoch e of video v takes the frames f with f ≡ e + v (mod stride): over `stride` epochs every frame is used
/// once, and the videos do not all skip the same frames.
public struct FrameStride: Sendable {
    public let stride: Int, epoch: Int
    public init(stride: Int, epoch: Int) {
        precondition(stride >= 1)
        self.stride = stride
        self.epoch = epoch
    }

    public func keeps(video: Int, frame: Int) -> Bool {
        stride == 1 || (frame - epoch - video) % stride == 0
    }
}
