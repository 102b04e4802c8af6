/// Region scores averaged along each object's links (docs/experiments.md, step 45).
///
/// RBDC ranks every written region of every frame by its score. An object's score in one frame is the largest of its
/// standardised head scores, which jumps from frame to frame; a real anomaly stays high over the frames it lasts
/// while a normal object's jump does not. So the score written for a region is the mean of its object's score along
/// the object's links: forwards, the box of the next frame that overlaps the current one most, if at least
/// `minimumIoU`, then from that box the next, up to `reach` frames or until no box qualifies; backwards alike. The
/// frame scores do not read region scores and are not changed.
public enum RegionLinks {
    /// Frames followed either way: the temporal radius of an object's sequence (frames i-3...i+3).
    public static let reach = 3
    /// A box links to the box of the neighbouring frame it overlaps most when their IoU is at least this (the test
    /// by which an object takes the scores of the previous frame's, `VideoScorer`).
    public static let minimumIoU = 0.5

    /// The naive reference: every region of a video at once. `frames[t]` holds frame t's objects (frames without
    /// objects are empty). Returns the same objects with their linked-mean scores.
    public static func linkedScores(frames: [[ScoredObject]], reach: Int = reach) -> [[ScoredObject]] {
        frames.indices.map { t in
            frames[t].map { object in
                var sum = Double(object.score), count = 1
                for direction in [1, -1] {
                    var box = object.box
                    for k in stride(from: 1, through: reach, by: 1) {
                        let u = t + direction * k
                        guard frames.indices.contains(u), let next = bestLink(from: box, among: frames[u]) else { break }
                        sum += Double(next.score); count += 1
                        box = next.box
                    }
                }
                var linked = object
                linked.score = Float(sum / Double(count))
                return linked
            }
        }
    }

    /// The object of `candidates` whose box overlaps `box` most, if by at least `minimumIoU` (the first on ties).
    static func bestLink(from box: PixelBox, among candidates: [ScoredObject]) -> ScoredObject? {
        var best: ScoredObject?, bestIoU = minimumIoU
        for candidate in candidates {
            let overlap = box.iou(candidate.box)
            if overlap >= bestIoU && (best == nil || overlap > bestIoU) { best = candidate; bestIoU = overlap }
        }
        return best
    }
}

/// `RegionLinks.linkedScores` on a stream: objects arrive in frame order and leave, with their linked scores, `reach`
/// frames later (or at `finish`). Holds at most 2 · reach + 1 frames of objects, so memory does not grow with the
/// video.
public final class LinkedRegionStream {
    private let reach: Int
    private let emit: (ScoredObject) throws -> Void
    /// Frames with objects not yet emitted, and up to `reach` emitted ones before them, in frame order.
    private var window: [(frame: Int, objects: [ScoredObject])] = []
    /// The first frame whose objects are not yet emitted (nil before the first object).
    private var nextToEmit: Int?

    public init(reach: Int = RegionLinks.reach, emit: @escaping (ScoredObject) throws -> Void) {
        self.reach = max(0, reach)
        self.emit = emit
    }

    /// Adds an object of frame `object.frame` (not before the previous object's frame).
    public func add(_ object: ScoredObject) throws {
        if let last = window.last, last.frame == object.frame {
            window[window.count - 1].objects.append(object)
        } else {
            precondition(window.last.map { $0.frame < object.frame } ?? true, "objects must arrive in frame order")
            if nextToEmit == nil { nextToEmit = object.frame }
            // Frames before this one that are `reach` or more behind it have all the future they will get.
            try emitFrames(through: object.frame - reach - 1)
            window.append((object.frame, [object]))
        }
    }

    /// Frames held (for the memory bound's test): at most 2 · reach + 1.
    var heldFrames: Int { window.count }

    /// Emits every object still held.
    public func finish() throws {
        try emitFrames(through: Int.max - 1)
        window.removeAll()
    }

    private func emitFrames(through lastFrame: Int) throws {
        guard var next = nextToEmit else { return }
        for entry in window where entry.frame >= next && entry.frame <= lastFrame {
            for object in entry.objects { try emit(linked(object, at: entry.frame)) }
            next = entry.frame + 1
        }
        nextToEmit = next
        // Only the frames within `reach` before the next one to emit are still needed as its past.
        window.removeAll { $0.frame < next - reach }
    }

    private func objects(at frame: Int) -> [ScoredObject]? {
        window.first { $0.frame == frame }?.objects
    }

    private func linked(_ object: ScoredObject, at frame: Int) -> ScoredObject {
        var sum = Double(object.score), count = 1
        for direction in [1, -1] {
            var box = object.box
            for k in stride(from: 1, through: reach, by: 1) {
                guard let candidates = objects(at: frame + direction * k),
                      let next = RegionLinks.bestLink(from: box, among: candidates) else { break }
                sum += Double(next.score); count += 1
                box = next.box
            }
        }
        var result = object
        result.score = Float(sum / Double(count))
        return result
    }
}
