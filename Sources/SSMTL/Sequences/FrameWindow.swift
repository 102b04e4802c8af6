import VideoIO

/// A sliding window over a streamed video: keeps the frames within `radius` of the frame being processed,
/// so memory is bounded by 2 * radius + 1 frames whatever the video's length.
///
/// Frames are pushed in order. `frame(at:)` clamps to the video's ends, repeating the first frame before the
/// start and the last frame after the end (once the end is known).
///
/// What happens to the window of a detection near an end is the `EdgePolicy`: training pads it with the edge
/// frame, as the spec asks; scoring moves it inside the video, because a padded window looks like an object that
/// stood still and then moved, and the motion heads flag it (on Ped2's normal training videos, the first frame
/// scored 3.97 on average against 0.74 over all frames, almost all of it from motion irregularity).
public final class FrameWindow {
    public enum EdgePolicy: Sendable {
        /// Frames before the start (after the end) repeat the first (last) frame.
        case repeatEdgeFrame
        /// The window slides inside the video: a detection at frame 0 is cropped in frames 0...2r, with its own
        /// box. Videos shorter than 2r + 1 frames fall back to repeating the edge frame.
        case shiftInside
    }

    public let radius: Int
    public let edgePolicy: EdgePolicy
    private var ring: [Frame?]
    /// Index of the newest frame pushed (-1 before the first).
    public private(set) var newestIndex = -1
    /// Set by `markEnd()` once the reader is exhausted.
    public private(set) var frameCount: Int?

    public init(radius: Int, edgePolicy: EdgePolicy = .repeatEdgeFrame) {
        precondition(radius >= 0)
        self.radius = radius
        self.edgePolicy = edgePolicy
        ring = Array(repeating: nil, count: 2 * radius + 1)
    }

    public func push(_ frame: Frame) {
        precondition(frame.index == newestIndex + 1, "frames must be pushed in order")
        newestIndex = frame.index
        ring[frame.index % ring.count] = frame
    }

    public func markEnd() { frameCount = newestIndex + 1 }

    /// The centre of the window cropped for a detection at frame `center`: `center` itself, or with
    /// `.shiftInside` the nearest centre whose window lies inside the video (as far as the video is known: the
    /// end is only known after `markEnd()`).
    public func windowCentre(for center: Int) -> Int {
        guard edgePolicy == .shiftInside else { return center }
        guard let count = frameCount else { return max(center, radius) }
        guard count >= 2 * radius + 1 else { return center }
        return min(max(center, radius), count - 1 - radius)
    }

    /// Can every frame of the window for a detection at `center` be served?
    public func isWindowComplete(around center: Int) -> Bool {
        if let count = frameCount { return center < count }
        return windowCentre(for: center) + radius <= newestIndex
    }

    /// The frame at `index`, clamped to [0, last]. The index must lie within the window of the oldest
    /// centre still being processed (newest - 2 * radius ... newest).
    public func frame(at index: Int) -> Frame {
        let last = frameCount.map { $0 - 1 } ?? newestIndex
        let clamped = min(max(index, 0), last)
        precondition(clamped > newestIndex - ring.count, "frame \(clamped) has left the window")
        return ring[clamped % ring.count]!
    }
}
