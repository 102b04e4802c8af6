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
    var x0s = [Int](repeating: 0, count: side), x1s = [Int](repeating: 0, count: side)
    var wxs = [Float](repeating: 0, count: side)
    for x in 0..<side {
        let sx = max(0, (Double(x) + 0.5) * scaleX - 0.5)
        let fx = Int(sx)
        wxs[x] = Float(sx - Double(fx))
        x0s[x] = min(max(box.x1 + fx, 0), width - 1)
        x1s[x] = min(max(box.x1 + min(fx + 1, box.width - 1), 0), width - 1)
    }
    let inv255: Float = 1.0 / 255.0
    frame.pixels.withUnsafeBufferPointer { pixels in
        for y in 0..<side {
            let sy = max(0, (Double(y) + 0.5) * scaleY - 0.5)
            let fy = Int(sy)
            let wy = Float(sy - Double(fy))
            let r0 = min(max(box.y1 + fy, 0), height - 1)
            let r1 = min(max(box.y1 + min(fy + 1, box.height - 1), 0), height - 1)
            for c in 0..<channels {
                let plane = out + c * planeStride + y * side
                for x in 0..<side {
                    let a = Float(pixels[(r0 * width + x0s[x]) * channels + c])
                    let b = Float(pixels[(r0 * width + x1s[x]) * channels + c])
                    let d = Float(pixels[(r1 * width + x0s[x]) * channels + c])
                    let e = Float(pixels[(r1 * width + x1s[x]) * channels + c])
                    let top = a + (b - a) * wxs[x]
                    let bottom = d + (e - d) * wxs[x]
                    plane[x] = (top + (bottom - top) * wy) * inv255
                }
            }
        }
    }
}
