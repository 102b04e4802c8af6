import VideoIO

/// Crops a box out of a frame and resizes it to side x side with bilinear interpolation (pixel centres aligned,
/// as PyTorch's `interpolate(mode="bilinear", align_corners=False)` and OpenCV's `resize(INTER_LINEAR)`),
/// writing planar float channels in [0, 1].
///
/// out: (C, side, side) written at `out[c * planeStride + y * side + x]`, C = 3 for RGB frames, 1 for grey.
/// `planeStride` lets the caller interleave time: in an (C, T, H, W) sequence tensor the planes of one frame
/// are T * side * side apart.
public func cropResizeBilinear(
    _ frame: Frame, box: PixelBox, side: Int,
    into out: UnsafeMutablePointer<Float>, planeStride: Int
) {
    let channels = frame.layout.channels
    let width = frame.width, height = frame.height
    // Sampling positions are computed in the box's own coordinates; samples outside the frame are clamped
    // to its edge, so a box touching the border repeats the border pixels.
    let scaleX = Double(box.width) / Double(side), scaleY = Double(box.height) / Double(side)
    let inv255: Float = 1.0 / 255.0
    // Per output column: byte offsets of the two source pixels within a row, and the weight of the right one.
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * side) { offsets in
    withUnsafeTemporaryAllocation(of: Float.self, capacity: side) { wxs in
        let left = offsets.baseAddress!, right = left + side
        for x in 0..<side {
            let sx = max(0, (Double(x) + 0.5) * scaleX - 0.5)
            let fx = Int(sx)
            wxs[x] = Float(sx - Double(fx))
            left[x] = min(max(box.x1 + fx, 0), width - 1) * channels
            right[x] = min(max(box.x1 + min(fx + 1, box.width - 1), 0), width - 1) * channels
        }
        frame.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<side {
                let sy = max(0, (Double(y) + 0.5) * scaleY - 0.5)
                let fy = Int(sy)
                let wy = Float(sy - Double(fy))
                let r0 = min(max(box.y1 + fy, 0), height - 1)
                let r1 = min(max(box.y1 + min(fy + 1, box.height - 1), 0), height - 1)
                // One channel at a time, so every output row is written in order (planes are planeStride apart).
                for c in 0..<channels {
                    let top = pixels.baseAddress! + r0 * width * channels + c
                    let bottom = pixels.baseAddress! + r1 * width * channels + c
                    let row = out + c * planeStride + y * side
                    for x in 0..<side {
                        let l = left[x], r = right[x], wx = wxs[x]
                        let a = Float(top[l]), b = Float(top[r])
                        let d = Float(bottom[l]), e = Float(bottom[r])
                        let upper = a + (b - a) * wx
                        let lower = d + (e - d) * wx
                        row[x] = (upper + (lower - upper) * wy) * inv255
                    }
                }
            }
        }
    }}
}
