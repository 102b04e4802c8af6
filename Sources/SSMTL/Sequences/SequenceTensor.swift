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
}
