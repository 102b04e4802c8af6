import VideoIO

/// Crops a box out of a frame and resizes it to side x side with bilinear interpolation (pixel centres aligned,
/// as PyTorch's `interpolate(mode="bilinear", align_corners=False)` and OpenCV's `resize(INTER_LINEAR)`),
/// writing planar float channels in [0, 1].
///
/// out: (C, side, side) written at `out[c * planeStride + y * side + x]`, C = 3 for RGB frames, 1 for grey.
/// `planeStride` lets the caller interleave time: in an (C, T, H, W) sequence tensor the planes of one frame
/// are T * side * side apart.
///
/// Each source row is interpolated along x once and kept while output rows read it (an object box is usually
/// smaller than the crop, so consecutive output rows share their two source rows), and the blend between the two
/// rows runs on 8 values at a time. The arithmetic is `cropResizeBilinearReference`'s, operation for operation, so
/// the result is the same to the bit (tested).
public func cropResizeBilinear(
    _ frame: Frame, box: PixelBox, side: Int,
    into out: UnsafeMutablePointer<Float>, planeStride: Int
) {
    let channels = frame.layout.channels
    let width = frame.width, height = frame.height
    let inv255: Float = 1.0 / 255.0
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * side) { offsets in
    withUnsafeTemporaryAllocation(of: Float.self, capacity: side) { wxs in
    // Two slots of interpolated source rows, each (channels, side).
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * channels * side) { slots in
        let left = offsets.baseAddress!, right = left + side, wx = wxs.baseAddress!
        for x in 0..<side { (left[x], right[x], wx[x]) = sampleColumn(x, box: box, side: side, width: width, channels: channels) }
        frame.pixels.withUnsafeBufferPointer { pixels in
            var held = (-1, -1)  // the source row in each slot
            func slot(_ k: Int) -> UnsafeMutablePointer<Float> { slots.baseAddress! + k * channels * side }
            // Interpolates source row r along x into slot k (every channel).
            func load(_ r: Int, into k: Int) {
                for c in 0..<channels {
                    let src = pixels.baseAddress! + r * width * channels + c
                    let dst = slot(k) + c * side
                    for x in 0..<side {
                        let a = Float(src[left[x]]), b = Float(src[right[x]])
                        dst[x] = a + (b - a) * wx[x]
                    }
                }
                if k == 0 { held.0 = r } else { held.1 = r }
            }
            for y in 0..<side {
                let (r0, r1, wy) = sampleRow(y, box: box, side: side, height: height)
                // The slot of r0 (kept if held; else the one not holding r1), then r1's (the other one).
                let upperSlot: Int
                if held.0 == r0 { upperSlot = 0 } else if held.1 == r0 { upperSlot = 1 } else {
                    upperSlot = held.0 == r1 ? 1 : 0
                    load(r0, into: upperSlot)
                }
                let lowerSlot: Int
                if r1 == r0 { lowerSlot = upperSlot } else if (upperSlot == 0 ? held.1 : held.0) == r1 { lowerSlot = 1 - upperSlot } else {
                    lowerSlot = 1 - upperSlot
                    load(r1, into: lowerSlot)
                }
                for c in 0..<channels {
                    let upper = slot(upperSlot) + c * side, lower = slot(lowerSlot) + c * side
                    let row = out + c * planeStride + y * side
                    var x = 0
                    let wy8 = SIMD8<Float>(repeating: wy), scale8 = SIMD8<Float>(repeating: inv255)
                    while x + 8 <= side {
                        let u = UnsafeRawPointer(upper + x).loadUnaligned(as: SIMD8<Float>.self)
                        let l = UnsafeRawPointer(lower + x).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(row + x).storeBytes(of: (u + (l - u) * wy8) * scale8, as: SIMD8<Float>.self)
                        x += 8
                    }
                    while x < side {
                        row[x] = (upper[x] + (lower[x] - upper[x]) * wy) * inv255
                        x += 1
                    }
                }
            }
        }
    }}}
}

/// `cropResizeBilinear` written plainly: every output value from its four source pixels.
public func cropResizeBilinearReference(
    _ frame: Frame, box: PixelBox, side: Int,
    into out: UnsafeMutablePointer<Float>, planeStride: Int
) {
    let channels = frame.layout.channels, rowBytes = frame.width * channels
    let inv255: Float = 1.0 / 255.0
    for y in 0..<side {
        let (r0, r1, wy) = sampleRow(y, box: box, side: side, height: frame.height)
        for c in 0..<channels {
            for x in 0..<side {
                let (l, r, wx) = sampleColumn(x, box: box, side: side, width: frame.width, channels: channels)
                let a = Float(frame.pixels[r0 * rowBytes + l + c]), b = Float(frame.pixels[r0 * rowBytes + r + c])
                let d = Float(frame.pixels[r1 * rowBytes + l + c]), e = Float(frame.pixels[r1 * rowBytes + r + c])
                let upper = a + (b - a) * wx
                let lower = d + (e - d) * wx
                out[c * planeStride + y * side + x] = (upper + (lower - upper) * wy) * inv255
            }
        }
    }
}

// Sampling positions are computed in the box's own coordinates; samples outside the frame are clamped to its edge, so
// a box touching the border repeats the border pixels. Both crops sample through these two, so they read the same
// pixels with the same weights.

/// Output column x's two source pixels, as offsets within a row (in bytes of the frame's layout), and the weight of
/// the right one.
@inline(__always)
private func sampleColumn(_ x: Int, box: PixelBox, side: Int, width: Int, channels: Int) -> (left: Int, right: Int, weight: Float) {
    let sx = max(0, (Double(x) + 0.5) * (Double(box.width) / Double(side)) - 0.5)
    let fx = Int(sx)
    return (min(max(box.x1 + fx, 0), width - 1) * channels, min(max(box.x1 + min(fx + 1, box.width - 1), 0), width - 1) * channels,
            Float(sx - Double(fx)))
}

/// Output row y's two source rows and the weight of the lower one.
@inline(__always)
private func sampleRow(_ y: Int, box: PixelBox, side: Int, height: Int) -> (upper: Int, lower: Int, weight: Float) {
    let sy = max(0, (Double(y) + 0.5) * (Double(box.height) / Double(side)) - 0.5)
    let fy = Int(sy)
    return (min(max(box.y1 + fy, 0), height - 1), min(max(box.y1 + min(fy + 1, box.height - 1), 0), height - 1),
            Float(sy - Double(fy)))
}
