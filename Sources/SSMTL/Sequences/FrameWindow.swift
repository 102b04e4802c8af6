import VideoIO

/// A sliding window over a streamed video: keeps the frames within `radius` of the frame being processed,
/// so memory is bounded by 2 * radius + 1 frames whatever the video's length.
///
/// Frames are pushed in order. `frame(at:)` clamps to the video's ends, repeating the first frame before the
/// start and the last frame after the end (once the end is known): the window of a detection near an end is
/// padded with the edge frame, as the spec asks.
public final class FrameWindow {
    public let radius: Int
    private var ring: [Frame?]
    /// Index of the newest frame pushed (-1 before the first).
    public private(set) var newestIndex = -1
    /// Set by `markEnd()` once the reader is exhausted.
    public private(set) var frameCount: Int?

    public init(radius: Int) {
        precondition(radius >= 0)
        self.radius = radius
        ring = Array(repeating: nil, count: 2 * radius + 1)
    }

    public func push(_ frame: Frame) {
        precondition(frame.index == newestIndex + 1, "frames must be pushed in order")
        newestIndex = frame.index
        ring[frame.index % ring.count] = frame
    }

    public func markEnd() { frameCount = newestIndex + 1 }

    /// Can every frame of the window around `center` be served (given clamping at the ends)?
    public func isWindowComplete(around center: Int) -> Bool {
        if let count = frameCount { return center < count }
        return center + radius <= newestIndex
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
