import Detection
import VideoIO

/// One object of a training video, cropped for all four tasks and kept as bytes (4x smaller than floats):
/// the consecutive sequence i-3...i+3 (arrow of time, motion irregularity negative, middle box) and one
/// irregular sequence (motion irregularity positive), both (3, 7, side, side) UInt8, plus the teacher target.
public struct TrainingExample: Sendable {
    public var video: Int
    public var frame: Int
    public var consecutive: [UInt8]
    public var irregular: [UInt8]
    public var teacher: [Float]

    static func crops(of box: PixelBox, in window: FrameWindow, center: Int, offsets: [Int], side: Int) -> [UInt8] {
        var floats = SequenceTensor(count: 1, frames: offsets.count, side: side)
        floats.fill(object: 0, box: box, center: center, offsets: offsets, window: window)
        return floats.values.map { UInt8(($0 * 255).rounded()) }
    }
}

/// Produces the training examples of one video as a stream: frames go through a sliding window wide enough
/// for irregular sequences (radius = max offset), detections are kept only until their window is complete.
public struct ExampleStream {
    public var temporalRadius = 3
    public var maxIrregularOffset = 15
    /// Share of irregular sequences that are uniform fast-forwards (see `TemporalOffsets.irregular`).
    public var fastForwardShare = 0.0
    public var side = 64

    public init() {}

    /// Calls `emit` for every detected object of the video, in frame order. `detections(frameIndex)` gives
    /// the objects of a frame (cached from an earlier pass, or computed on the fly). Only the objects of frames
    /// `keep` accepts are cropped (and draw random numbers); for the others `skipped(objectCount)` is called. The
    /// seconds spent decoding, detecting and cropping are added to `timings`.
    public func run<R: RandomNumberGenerator>(
        reader: FrameReader, video: Int, rng: inout R, timings: inout EpochTimings,
        keep: (Int) -> Bool = { _ in true }, skipped: (Int) -> Void = { _ in },
        detections: (Frame) throws -> [DetectionBox], emit: (TrainingExample) throws -> Void
    ) throws {
        let window = FrameWindow(radius: maxIrregularOffset)
        var waiting: [(Int, [DetectionBox])] = []
        func process(_ center: Int, _ objects: [DetectionBox]) throws {
            guard keep(center) else { return skipped(objects.count) }
            for object in objects {
                let start = Clock.now
                let region = object.pixelBox
                let consecutive = TrainingExample.crops(of: region, in: window, center: center,
                                                        offsets: TemporalOffsets.forward(t: temporalRadius), side: side)
                let offsets = TemporalOffsets.irregular(t: temporalRadius, maxOffset: maxIrregularOffset,
                                                        fastForwardShare: fastForwardShare, using: &rng)
                let irregular = TrainingExample.crops(of: region, in: window, center: center, offsets: offsets, side: side)
                timings.crop += Clock.seconds(since: start)
                try emit(TrainingExample(video: video, frame: center, consecutive: consecutive, irregular: irregular,
                                         teacher: object.classProbabilities))
            }
        }
        var decodeStart = Clock.now
        while let frame = try reader.next() {
            timings.decode += Clock.seconds(since: decodeStart)
            let detectStart = Clock.now
            let objects = try detections(frame).compactMap { $0.clipped(width: frame.width, height: frame.height) }
            timings.detect += Clock.seconds(since: detectStart)
            window.push(frame)
            waiting.append((frame.index, objects))
            while let next = waiting.first, window.isWindowComplete(around: next.0) {
                waiting.removeFirst()
                try process(next.0, next.1)
            }
            decodeStart = Clock.now
        }
        window.markEnd()
        for (center, objects) in waiting { try process(center, objects) }
    }
}

/// A fixed-capacity shuffle buffer: items go in in stream order and come out in random order, so memory is
/// bounded by the capacity however long the stream.
public struct ShuffleBuffer<Item> {
    public let capacity: Int
    private var items: [Item] = []

    public init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
        items.reserveCapacity(capacity)
    }

    public var count: Int { items.count }

    /// Adds an item; when the buffer is full, returns a random item to make room.
    public mutating func insert<R: RandomNumberGenerator>(_ item: Item, using rng: inout R) -> Item? {
        if items.count < capacity {
            items.append(item)
            return nil
        }
        let j = Int.random(in: 0..<items.count, using: &rng)
        let out = items[j]
        items[j] = item
        return out
    }

    /// Empties the buffer in random order.
    public mutating func drain<R: RandomNumberGenerator>(using rng: inout R) -> [Item] {
        items.shuffle(using: &rng)
        defer { items.removeAll(keepingCapacity: true) }
        return items
    }
}
