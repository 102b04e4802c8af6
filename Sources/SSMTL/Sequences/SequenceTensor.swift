import VideoIO

/// Object-centric sequences packed for the network: N objects, each the same box cropped in T frames,
/// resized to side x side, channels first.
///
/// values: (N, C, T, side, side) float32 in [0, 1], C = 3 (RGB).
public struct SequenceTensor: Sendable {
    public let count: Int
    public let frames: Int
    public let side: Int
    public static let channels = 3
    public var values: [Float]

    public init(count: Int, frames: Int, side: Int) {
        self.count = count
        self.frames = frames
        self.side = side
        values = [Float](repeating: 0, count: count * SequenceTensor.channels * frames * side * side)
    }

    public var objectStride: Int { SequenceTensor.channels * frames * side * side }

    /// Fills object `n` with the box cropped in the frames at `center + offsets[t]` (clamped to the video).
    public mutating func fill(object n: Int, box: PixelBox, center: Int, offsets: [Int], window: FrameWindow) {
        precondition(offsets.count == frames && n < count)
        let plane = side * side, stride = objectStride, frames = frames, side = side
        values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress! + n * stride
            for (t, offset) in offsets.enumerated() {
                // Channel c of time step t sits at base + (c * T + t) * plane; channel planes are T * plane apart.
                cropResizeBilinear(window.frame(at: center + offset), box: box, side: side,
                                   into: base + t * plane, planeStride: frames * plane)
            }
        }
    }

    /// Fills object `n` with frames `frames[t]` of the same object of `source` (same side): the middle-box input
    /// and target are frames of the forward sequence, copied rather than cropped again.
    public mutating func copyFrames(object n: Int, from source: SequenceTensor, frames: [Int]) {
        precondition(frames.count == self.frames && source.side == side && n < count && n < source.count)
        let plane = side * side, dstStride = objectStride, srcStride = source.objectStride
        let dstFrames = self.frames, srcFrames = source.frames
        source.values.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for c in 0..<SequenceTensor.channels {
                    for (t, f) in frames.enumerated() {
                        precondition(f >= 0 && f < srcFrames)
                        (dst.baseAddress! + n * dstStride + (c * dstFrames + t) * plane)
                            .update(from: src.baseAddress! + n * srcStride + (c * srcFrames + f) * plane, count: plane)
                    }
                }
            }
        }
    }
}
