import Dispatch
import Foundation
import Detection
import VideoIO

/// Scores one video as a stream: decode -> detect -> crop the same box in frames i-3...i+3 (a sliding window
/// of 7 frames, moved inside the video at its ends) -> batch objects across frames -> network -> standardise ->
/// object scores -> each averaged along the object's links within 3 frames (`ObjectLinks`) -> frame scores. Memory is
/// bounded by the window, one batch, 7 frames of scored objects, and one number per frame.
///
/// With `reuseScores`, an object whose box overlaps (IoU >= 0.5) a box the network scored in the previous frame takes
/// that object's scores with its own box instead of being cropped and run: its sequence shares six of seven frames
/// with that one, and the frame scores are averaged over 5 frames and smoothed over sigma anyway. Each object is
/// then run about every other frame, a new object in its first (docs/experiments.md, step 43).
public final class VideoScorer {
    public struct Options {
        public var batchSize = 64
        public var temporalRadius = 3
        public var frameScoring = FrameScorer.Settings()
        /// The cropping thread hands its frames over at least every this many frames, even when their objects do not
        /// fill a batch, so a long stretch without objects does not pile up frame records.
        public var maxFramesPerChunk = 1024
        /// Score only the first this many frames (nil = the whole video).
        public var frameLimit: Int?
        /// An object matching one the network scored in the previous frame takes its scores (see above). Off where
        /// every object must be run: the normal statistics and the appearance bank.
        public var reuseScores = true
        public init() {}
    }

    /// Time spent in each stage, in seconds (for --timings).
    public struct Timings: Sendable {
        public var decode = 0.0, detect = 0.0, crop = 0.0, network = 0.0, map = 0.0
        public init() {}
    }

    public struct Result {
        public var rows: [FrameScorer.Row]
        public var objects: [ScoredObject]
        public var timings: Timings
        /// Per frame: seconds from the start of the video, and the box of its highest-scoring object (nil without
        /// objects), for the events (`AnomalyEvents`).
        public var timestamps: [Double]
        public var topBoxes: [PixelBox?]
    }

    private let detector: ObjectDetector
    private let scorer: ObjectScorer
    private let statistics: HeadStatistics
    private let options: Options

    public init(detector: ObjectDetector, scorer: ObjectScorer, statistics: HeadStatistics, options: Options = Options()) {
        self.detector = detector
        self.scorer = scorer
        self.statistics = statistics
        self.options = options
    }

    /// Scores the video. Two threads: a producer decodes, detects and crops into batch buffers while this thread
    /// runs the network on the previous batch and scores frames, so the network (which has every core) is not kept
    /// waiting by the single-threaded stages. Three batch buffers circulate between them, which bounds memory.
    /// `progress(framesDecoded)` is called on this thread.
    /// `objects`: when given, every scored object is handed to it (in frame order) instead of being kept in the
    /// result, so memory does not grow with the video's length.
    /// `isCancelled` is polled between batches: the scoring then stops with `TrainingStopped`.
    public func score(_ reader: FrameReader, objects sink: ((ScoredObject) throws -> Void)? = nil,
                      isCancelled: () -> Bool = { false }, progress: (Int) -> Void = { _ in }) throws -> Result {
        let messages = BoundedChannel<PipeMessage>(capacity: 1 << 20)   // bounded in effect by the buffers below
        let buffers = BoundedChannel<BatchSlot>(capacity: 3)
        for _ in 0..<3 { buffers.send(BatchSlot(makeBatch())) }
        let producer = BatchProducer(reader: Handed(reader), detector: Handed(detector), messages: messages,
                                     buffers: buffers, batchSize: options.batchSize, radius: options.temporalRadius,
                                     maxFrames: options.maxFramesPerChunk, frameLimit: options.frameLimit,
                                     reuseScores: options.reuseScores)
        let thread = BackgroundThread { producer.run() }
        do {
            let result = try consume(messages, buffers, frameWidth: reader.info.width, frameHeight: reader.info.height,
                                     sink: sink, isCancelled: isCancelled, progress: progress)
            thread.join()
            return result
        } catch {
            buffers.cancel()   // the producer stops at its next batch
            thread.join()
            throw error
        }
    }

    /// The network side: registers frames in order, scores each batch, hands finished frames to the frame scorer.
    private func consume(_ messages: BoundedChannel<PipeMessage>, _ buffers: BoundedChannel<BatchSlot>,
                         frameWidth: Int, frameHeight: Int, sink: ((ScoredObject) throws -> Void)?,
                         isCancelled: () -> Bool, progress: (Int) -> Void) throws -> Result {
        var timings = Timings()
        var frameScorer = FrameScorer(frameWidth: frameWidth, frameHeight: frameHeight, settings: options.frameScoring)
        var pendingFrames: [Int: Int] = [:] // frame -> objects still unscored
        // Frames registered, awaiting the frame scorer, with their objects that take the scores of one run in the
        // previous frame (`source`: its position among that frame's run objects).
        var framesInOrder: [(index: Int, timestamp: Double, reused: [ReusedObject])] = []
        var previousRun: [ScoredObject] = []  // the objects the network scored in the last frame released
        var timestamps: [Double] = [], topBoxes: [PixelBox?] = []
        var framesHead = 0
        var scoredByFrame: [Int: [ScoredObject]] = [:]
        var allObjects: [ScoredObject] = []

        // Each object's score becomes its mean along its links (`ObjectLinks`): frames reach the frame scorer, the
        // events and the sink `ObjectLinks.reach` frames after they are scored.
        let linked = LinkedFrameStream<Double> { frame in
            frameScorer.addFrame(frame.objects)
            timestamps.append(frame.extra)
            topBoxes.append(frame.objects.max { $0.score < $1.score }?.box)
            if let sink { for object in frame.objects { try sink(object) } } else { allObjects += frame.objects }
        }

        func releaseFinishedFrames() throws {
            let start = Clock.now
            while framesHead < framesInOrder.count, pendingFrames[framesInOrder[framesHead].index] == 0 {
                let (frame, timestamp, reused) = framesInOrder[framesHead]
                let run = scoredByFrame.removeValue(forKey: frame) ?? []
                let objects = run + reused.map { item in
                    ScoredObject(frame: frame, box: item.box, heads: previousRun[item.source].heads, weights: statistics.weights)
                }
                previousRun = run
                try linked.add(frame, extra: timestamp, objects: objects)
                pendingFrames[frame] = nil
                framesHead += 1
            }
            if framesHead > 4096 { framesInOrder.removeFirst(framesHead); framesHead = 0 }
            timings.map += Clock.seconds(since: start)
        }

        while true {
            if isCancelled() { throw TrainingStopped(epoch: -1) }
            switch messages.receive()! {
            case .failed(let error):
                throw error
            case .progress(let decoded):
                progress(decoded)
            case .chunk(let chunk):
                for f in chunk.frames {
                    framesInOrder.append((f.index, f.timestamp, f.reused))
                    pendingFrames[f.index] = f.objects
                }
                if !chunk.objects.isEmpty {
                    let start = Clock.now
                    let heads = try scores(of: chunk.slot, count: chunk.objects.count)
                    timings.network += Clock.seconds(since: start)
                    for (k, item) in chunk.objects.enumerated() {
                        let scored = ScoredObject(frame: item.frame, box: item.object.pixelBox,
                                                  heads: statistics.standardize(heads[k]), weights: statistics.weights)
                        scoredByFrame[item.frame, default: []].append(scored)
                        pendingFrames[item.frame]! -= 1
                    }
                }
                let decoded = chunk.framesDecoded, producerTimings = chunk.finalTimings
                // The slot goes back to the producer, which refills it in place. Filling object n overwrites every
                // value of its slot.
                buffers.send(chunk.slot)
                try releaseFinishedFrames()
                progress(decoded)
                if let producerTimings {
                    timings.decode = producerTimings.decode
                    timings.detect = producerTimings.detect
                    timings.crop = producerTimings.crop
                    let start = Clock.now
                    try linked.finish()
                    let rows = frameScorer.finish()
                    timings.map += Clock.seconds(since: start)
                    return Result(rows: rows, objects: allObjects, timings: timings, timestamps: timestamps, topBoxes: topBoxes)
                }
            }
        }
    }

    /// Raw head scores of the first `count` objects of a slot. The batch is only borrowed for the call, so the slot's
    /// arrays are uniquely referenced again when the producer refills them (no copy on write).
    private func scores(of slot: BatchSlot, count n: Int) throws -> [HeadScores] {
        let heads = try scorer.scores(for: n < options.batchSize ? trimmed(slot.batch, to: n) : slot.batch)
        precondition(heads.count == n, "the scorer must return one result per object")
        return heads
    }

    private func makeBatch() -> ObjectBatch {
        let n = options.batchSize, s = scorer.cropSide, t = 2 * options.temporalRadius
        return ObjectBatch(forward: SequenceTensor(count: n, frames: t + 1, side: s),
                           middleInput: SequenceTensor(count: n, frames: t, side: s),
                           middleTarget: SequenceTensor(count: n, frames: 1, side: s),
                           teacher: Array(repeating: [], count: n))
    }

    private func trimmed(_ batch: ObjectBatch, to n: Int) -> ObjectBatch {
        func cut(_ tensor: SequenceTensor) -> SequenceTensor {
            var out = SequenceTensor(count: n, frames: tensor.frames, side: tensor.side)
            out.values = Array(tensor.values.prefix(n * tensor.objectStride))
            return out
        }
        return ObjectBatch(forward: cut(batch.forward), middleInput: cut(batch.middleInput),
                           middleTarget: cut(batch.middleTarget), teacher: Array(batch.teacher.prefix(n)))
    }
}

// MARK: - Producer side

/// One of the batch buffers that circulate between the two threads. A class, so that handing it over does not
/// add references to the arrays inside (which would make the next fill copy them).
private final class BatchSlot: @unchecked Sendable {
    var batch: ObjectBatch
    init(_ batch: ObjectBatch) { self.batch = batch }
}

/// An object that takes the scores of the object at `source` among those the network ran in the previous frame.
private struct ReusedObject {
    var box: PixelBox
    var source: Int
}

/// Objects cropped into one batch buffer, with the frames registered since the previous chunk.
private struct Chunk {
    var slot: BatchSlot
    var objects: [(frame: Int, object: DetectionBox)] = []
    /// Frames whose cropping started since the previous chunk, in order, with the number of their objects the network
    /// runs, their timestamps and their objects that reuse scores.
    var frames: [(index: Int, objects: Int, timestamp: Double, reused: [ReusedObject])] = []
    var framesDecoded = 0
    /// Set on the last chunk of the video: the producer's stage timings.
    var finalTimings: VideoScorer.Timings?
}

private enum PipeMessage {
    case chunk(Chunk)
    case progress(Int)
    case failed(any Error)
}

/// Decode -> detect -> sliding window -> crops, on its own thread.
private final class BatchProducer: @unchecked Sendable {
    let reader: FrameReader, detector: ObjectDetector
    let messages: BoundedChannel<PipeMessage>, buffers: BoundedChannel<BatchSlot>
    let batchSize: Int, radius: Int, maxFrames: Int, frameLimit: Int, reuseScores: Bool
    private var timings = VideoScorer.Timings()
    /// The boxes the network runs in the last frame cropped, in the order the consumer receives their scores.
    private var previousRun: [PixelBox] = []

    /// An object reuses the scores of a run object of the previous frame whose box overlaps its own at least this much.
    static let reuseIoU = 0.5

    init(reader: Handed<FrameReader>, detector: Handed<ObjectDetector>, messages: BoundedChannel<PipeMessage>,
         buffers: BoundedChannel<BatchSlot>, batchSize: Int, radius: Int, maxFrames: Int, frameLimit: Int?, reuseScores: Bool) {
        self.reader = reader.value; self.detector = detector.value
        self.messages = messages; self.buffers = buffers
        self.batchSize = batchSize; self.radius = radius; self.maxFrames = max(1, maxFrames)
        self.frameLimit = frameLimit ?? Int.max
        self.reuseScores = reuseScores
    }

    /// The objects the network runs, and those that take the scores of a run object of the previous frame (the one
    /// of largest IoU, at least `reuseIoU`, the first on ties: `PixelBox.bestOverlap`).
    private func split(_ objects: [DetectionBox]) -> (run: [DetectionBox], reused: [ReusedObject]) {
        guard reuseScores else { return (objects, []) }
        var run: [DetectionBox] = [], reused: [ReusedObject] = []
        for object in objects {
            let box = object.pixelBox
            if let best = box.bestOverlap(among: previousRun, minimumIoU: Self.reuseIoU) {
                reused.append(ReusedObject(box: box, source: best))
            } else {
                run.append(object)
            }
        }
        previousRun = run.map(\.pixelBox)
        return (run, reused)
    }

    func run() {
        do { try produce() } catch is HandoffCancelled {} catch { messages.send(.failed(error)) }
    }

    private func produce() throws {
        let window = FrameWindow(radius: radius, edgePolicy: .shiftInside)
        let forwardOffsets = TemporalOffsets.forward(t: radius)
        // The middle-box input and target are frames of the forward crops: copied, not cropped again.
        let middleFrames = TemporalOffsets.middleBoxInput(t: radius).map { forwardOffsets.firstIndex(of: $0)! }
        let centreFrame = [forwardOffsets.firstIndex(of: 0)!]
        var waiting: [(frame: Int, timestamp: Double, objects: [DetectionBox])] = []  // window not complete yet
        guard let first = buffers.receive() else { throw HandoffCancelled() }
        var chunk = Chunk(slot: first)
        var decoded = 0

        // Sends the chunk and starts the next one in a free buffer.
        func handOver() throws {
            chunk.framesDecoded = decoded
            messages.send(.chunk(chunk))
            guard let next = buffers.receive() else { throw HandoffCancelled() }
            chunk = Chunk(slot: next)
        }

        func crop(frame center: Int, timestamp: Double, objects all: [DetectionBox]) throws {
            if chunk.frames.count >= maxFrames { try handOver() }
            let (objects, reused) = split(all)
            chunk.frames.append((center, objects.count, timestamp, reused))
            for object in objects {
                let start = Clock.now
                let n = chunk.objects.count
                chunk.slot.batch.forward.fill(object: n, box: object.pixelBox, center: window.windowCentre(for: center),
                                              offsets: forwardOffsets, window: window)
                chunk.slot.batch.middleInput.copyFrames(object: n, from: chunk.slot.batch.forward, frames: middleFrames)
                chunk.slot.batch.middleTarget.copyFrames(object: n, from: chunk.slot.batch.forward, frames: centreFrame)
                chunk.slot.batch.teacher[n] = object.classProbabilities
                chunk.objects.append((center, object))
                timings.crop += Clock.seconds(since: start)
                if chunk.objects.count == batchSize { try handOver() }
            }
        }

        var decodeStart = Clock.now
        while decoded < frameLimit, let frame = try reader.next() {
            timings.decode += Clock.seconds(since: decodeStart)
            if buffers.isCancelled { throw HandoffCancelled() }
            let detectStart = Clock.now
            let clipped = try detector.detect(frame).compactMap { $0.clipped(width: frame.width, height: frame.height) }
            timings.detect += Clock.seconds(since: detectStart)
            window.push(frame)
            decoded = frame.index + 1
            waiting.append((frame.index, frame.timestamp, clipped))
            var ready = 0
            while ready < waiting.count, window.isWindowComplete(around: waiting[ready].frame) {
                try crop(frame: waiting[ready].frame, timestamp: waiting[ready].timestamp, objects: waiting[ready].objects)
                ready += 1
            }
            waiting.removeFirst(ready)
            if decoded % 32 == 0 { messages.send(.progress(decoded)) }
            decodeStart = Clock.now
        }
        window.markEnd()
        for item in waiting { try crop(frame: item.frame, timestamp: item.timestamp, objects: item.objects) }
        chunk.framesDecoded = decoded
        chunk.finalTimings = timings
        messages.send(.chunk(chunk))
    }
}

/// Monotonic wall-clock seconds for stage timings.
enum Clock {
    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }
    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
