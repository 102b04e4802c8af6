import Dispatch
import Detection
import VideoIO

/// Scores one video as a stream: decode -> detect -> crop the same box in frames i-3...i+3 (a sliding window
/// of 7 frames, clamped at the ends) -> batch objects across frames -> network -> standardise -> object scores ->
/// frame scores. Memory is bounded by the window, one batch, and one number per frame.
public final class VideoScorer {
    public struct Options {
        public var batchSize = 64
        public var temporalRadius = 3
        public var headWeights: [Float] = [1, 1, 1, 1]
        public var frameScoring = FrameScorer.Settings()
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

    public func score(_ reader: FrameReader, progress: (Int) -> Void = { _ in }) throws -> Result {
        var timings = Timings()
        let radius = options.temporalRadius
        let window = FrameWindow(radius: radius)
        var frameScorer = FrameScorer(frameWidth: reader.info.width, frameHeight: reader.info.height, settings: options.frameScoring)
        // Detections of frames whose window is not complete yet, oldest first.
        var waiting: [(frame: Int, objects: [DetectionBox])] = []
        // Objects cropped and waiting for the network, and the frames they belong to.
        var pendingObjects: [(frame: Int, object: DetectionBox)] = []
        var pendingFrames: [Int: Int] = [:] // frame -> objects still unscored
        var framesInOrder: [Int] = []        // frames cropped, awaiting their turn in the frame scorer
        var scoredByFrame: [Int: [ScoredObject]] = [:]
        var allObjects: [ScoredObject] = []
        var batch = makeBatch()

        func flushBatch() throws {
            guard !pendingObjects.isEmpty else { return }
            let n = pendingObjects.count
            var used = batch
            if n < options.batchSize { used = trimmed(batch, to: n) }
            let start = Clock.now
            let heads = try scorer.scores(for: used)
            timings.network += Clock.seconds(since: start)
            precondition(heads.count == n, "the scorer must return one result per object")
            for (k, item) in pendingObjects.enumerated() {
                let scored = ScoredObject(frame: item.frame, box: item.object.pixelBox,
                                          heads: statistics.standardize(heads[k]), weights: options.headWeights)
                scoredByFrame[item.frame, default: []].append(scored)
                pendingFrames[item.frame]! -= 1
            }
            // The batch buffers are reused: filling object n overwrites every value of its slot.
            pendingObjects.removeAll(keepingCapacity: true)
        }

        func releaseFinishedFrames() {
            let start = Clock.now
            while let frame = framesInOrder.first, pendingFrames[frame] == 0 {
                let objects = scoredByFrame.removeValue(forKey: frame) ?? []
                frameScorer.addFrame(objects)
                allObjects += objects
                pendingFrames[frame] = nil
                framesInOrder.removeFirst()
            }
            timings.map += Clock.seconds(since: start)
        }

        func crop(frame center: Int, objects: [DetectionBox]) throws {
            framesInOrder.append(center)
            pendingFrames[center] = objects.count
            for object in objects {
                let start = Clock.now
                let n = pendingObjects.count
                batch.forward.fill(object: n, box: object.pixelBox, center: center, offsets: TemporalOffsets.forward(t: radius), window: window)
                batch.middleInput.fill(object: n, box: object.pixelBox, center: center, offsets: TemporalOffsets.middleBoxInput(t: radius), window: window)
                batch.middleTarget.fill(object: n, box: object.pixelBox, center: center, offsets: [0], window: window)
                batch.teacher[n] = object.classProbabilities
                pendingObjects.append((center, object))
                timings.crop += Clock.seconds(since: start)
                if pendingObjects.count == options.batchSize {
                    try flushBatch()
                    releaseFinishedFrames()
                }
            }
            releaseFinishedFrames()
        }

        var decodeStart = Clock.now
        while let frame = try reader.next() {
            timings.decode += Clock.seconds(since: decodeStart)
            let detectStart = Clock.now
            let clipped = try detector.detect(frame).compactMap { $0.clipped(width: frame.width, height: frame.height) }
            timings.detect += Clock.seconds(since: detectStart)
            window.push(frame)
            waiting.append((frame.index, clipped))
            while let next = waiting.first, window.isWindowComplete(around: next.frame) {
                waiting.removeFirst()
                try crop(frame: next.frame, objects: next.objects)
            }
            progress(frame.index + 1)
            decodeStart = Clock.now
        }
        window.markEnd()
        for item in waiting { try crop(frame: item.frame, objects: item.objects) }
        try flushBatch()
        releaseFinishedFrames()
        let start = Clock.now
        let rows = frameScorer.finish()
        timings.map += Clock.seconds(since: start)
        return Result(rows: rows, objects: allObjects, timings: timings)
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

/// Monotonic wall-clock seconds for stage timings.
enum Clock {
    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }
    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
