/// Object scores averaged along each object's links (docs/experiments.md, steps 45 and 46).
///
/// An object's score in one frame is the largest of its standardised head scores, which jumps from frame to frame; a
/// real anomaly stays high over the frames it lasts while a normal object's jump does not. So the score an object
/// keeps (for its region, and for the frame score built from the objects) is the mean of its score along its links:
/// forwards, the box of the next frame that overlaps the current one most, if at least `minimumIoU`, then from that
/// box the next, up to `reach` frames or until no box qualifies; backwards alike. Its head scores stay as they are.
public enum ObjectLinks {
    /// Frames followed either way: the temporal radius of an object's sequence (frames i-3...i+3).
    public static let reach = 3
    /// A box links to the box of the neighbouring frame it overlaps most when their IoU is at least this (the test
    /// by which an object takes the scores of the previous frame's, `VideoScorer`).
    public static let minimumIoU = 0.5

    /// The naive reference: every object of a video at once. `frames[t]` holds frame t's objects (frames without
    /// objects are empty). Returns the same objects with their linked-mean scores.
    public static func linkedScores(frames: [[ScoredObject]], reach: Int = reach) -> [[ScoredObject]] {
        frames.indices.map { t in
            frames[t].map { object in
                linked(object, reach: reach) { k in frames.indices.contains(t + k) ? frames[t + k] : nil }
            }
        }
    }

    /// `object` with its score averaged along its links within `reach` frames. `objects(k)`: the objects k frames after
    /// the object's own (k < 0: before), nil where the video (or the stream's window) holds no such frame.
    static func linked(_ object: ScoredObject, reach: Int, objects: (Int) -> [ScoredObject]?) -> ScoredObject {
        var sum = Double(object.score), count = 1
        for direction in stride(from: 1, through: -1, by: -2) {   // forwards, then backwards
            var box = object.box
            for k in stride(from: 1, through: reach, by: 1) {
                guard let candidates = objects(direction * k), let next = bestLink(from: box, among: candidates) else { break }
                sum += Double(next.score); count += 1
                box = next.box
            }
        }
        var result = object
        result.score = Float(sum / Double(count))
        return result
    }

    /// The object of `candidates` whose box overlaps `box` most, if by at least `minimumIoU` (the first on ties).
    static func bestLink(from box: PixelBox, among candidates: [ScoredObject]) -> ScoredObject? {
        box.bestOverlap(among: candidates.lazy.map(\.box), minimumIoU: minimumIoU).map { candidates[$0] }
    }
}

/// `ObjectLinks.linkedScores` on a stream of frames: every frame (with its objects, maybe none) arrives in order and
/// leaves, its objects with their linked scores, `reach` frames later (or at `finish`). Holds at most 2 · reach + 1
/// frames, so memory does not grow with the video.
public final class LinkedFrameStream<Extra> {
    public typealias Frame = (index: Int, extra: Extra, objects: [ScoredObject])
    private let reach: Int
    private let emit: (Frame) throws -> Void
    /// The frames not yet emitted, and up to `reach` emitted ones before them, in order.
    private var window: [Frame] = []
    /// How many frames of the window are emitted already.
    private var emitted = 0

    /// `extra`: what travels with each frame (its timestamp, say).
    public init(reach: Int = ObjectLinks.reach, emit: @escaping (Frame) throws -> Void) {
        self.reach = max(0, reach)
        self.emit = emit
    }

    /// Frames held (for the memory bound's test): at most 2 · reach + 1.
    var heldFrames: Int { window.count }

    /// Adds the next frame (`index` one more than the previous frame's).
    public func add(_ index: Int, extra: Extra, objects: [ScoredObject]) throws {
        precondition(window.last.map { $0.index + 1 == index } ?? true, "frames must arrive one after another")
        window.append((index, extra, objects))
        // The frame `reach` before this one has all the future it will get.
        if window.count - emitted > reach { try emitNext() }
    }

    /// Emits every frame still held.
    public func finish() throws {
        while emitted < window.count { try emitNext() }
        window.removeAll()
        emitted = 0
    }

    private func emitNext() throws {
        let position = emitted
        let frame = window[position]
        try emit((frame.index, frame.extra, frame.objects.map { linked($0, at: position) }))
        emitted += 1
        // Only `reach` frames before the next one to emit are still needed as its past.
        let drop = max(0, emitted - reach)
        if drop > 0 { window.removeFirst(drop); emitted -= drop }
    }

    private func linked(_ object: ScoredObject, at position: Int) -> ScoredObject {
        ObjectLinks.linked(object, reach: reach) { k in
            window.indices.contains(position + k) ? window[position + k].objects : nil
        }
    }
}
