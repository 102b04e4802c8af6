import VideoIO

/// A donor object's pixels in one frame: RGB and an opacity per pixel (how far the pixel differs from the
/// donor's background, so the donor's floor stays behind).
public struct Sprite: Equatable, Sendable {
    public var width: Int, height: Int
    public var rgb: [UInt8]      // height x width x 3
    public var alpha: [Float]    // height x width, 0...1
}

/// The pixel operations of `ssmtl plant`, on packed RGB frames.
public enum PlantedRendering {
    /// Grey differences to the background at or below `low` are transparent, at or above `high` opaque.
    static let low = 10.0, high = 30.0

    /// Cuts `box` out of an RGB frame. Opacity: the pixel's grey difference to `background` (grey, frame-sized)
    /// mapped from [low, high] to [0, 1], then averaged over 3 x 3 pixels so the cut has no hard edge.
    public static func cutSprite(from frame: Frame, box: PixelRect, background: [UInt8]) -> Sprite {
        precondition(frame.layout == .rgb24 && background.count == frame.width * frame.height)
        let w = box.width, h = box.height
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        var raw = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let fx = box.x1 + x, fy = box.y1 + y
                guard fx >= 0, fy >= 0, fx < frame.width, fy < frame.height else { continue }
                let p = 3 * (fy * frame.width + fx), q = 3 * (y * w + x)
                let r = Double(frame.pixels[p]), g = Double(frame.pixels[p + 1]), b = Double(frame.pixels[p + 2])
                rgb[q] = frame.pixels[p]; rgb[q + 1] = frame.pixels[p + 1]; rgb[q + 2] = frame.pixels[p + 2]
                let grey = Double(Luma.red) / 1000 * r + Double(Luma.green) / 1000 * g + Double(Luma.blue) / 1000 * b
                let difference = abs(grey - Double(background[fy * frame.width + fx]))
                raw[y * w + x] = Float(min(1, max(0, (difference - low) / (high - low))))
            }
        }
        var alpha = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var sum: Float = 0, n: Float = 0
                for dy in -1...1 where y + dy >= 0 && y + dy < h {
                    for dx in -1...1 where x + dx >= 0 && x + dx < w { sum += raw[(y + dy) * w + x + dx]; n += 1 }
                }
                alpha[y * w + x] = sum / n
            }
        }
        return Sprite(width: w, height: h, rgb: rgb, alpha: alpha)
    }

    /// Pastes `sprite`, scaled (bilinear) to `rect`, over `frame`: out = α·sprite + (1 − α)·frame. Pixels of `rect`
    /// outside the frame are skipped.
    public static func paste(_ sprite: Sprite, into frame: inout Frame, at rect: PixelRect) {
        precondition(frame.layout == .rgb24)
        let sx = Double(sprite.width) / Double(rect.width), sy = Double(sprite.height) / Double(rect.height)
        // A rect wholly outside the frame draws nothing.
        guard max(0, rect.y1) <= min(frame.height - 1, rect.y2), max(0, rect.x1) <= min(frame.width - 1, rect.x2) else { return }
        for y in max(0, rect.y1)...min(frame.height - 1, rect.y2) {
            // Pixel centres map to pixel centres.
            let v = min(max((Double(y - rect.y1) + 0.5) * sy - 0.5, 0), Double(sprite.height - 1))
            let y0 = Int(v), y1 = min(y0 + 1, sprite.height - 1), fy = v - Double(y0)
            for x in max(0, rect.x1)...min(frame.width - 1, rect.x2) {
                let u = min(max((Double(x - rect.x1) + 0.5) * sx - 0.5, 0), Double(sprite.width - 1))
                let x0 = Int(u), x1 = min(x0 + 1, sprite.width - 1), fx = u - Double(x0)
                func sample(_ values: (Int) -> Double) -> Double {
                    let top = values(y0 * sprite.width + x0) * (1 - fx) + values(y0 * sprite.width + x1) * fx
                    let bottom = values(y1 * sprite.width + x0) * (1 - fx) + values(y1 * sprite.width + x1) * fx
                    return top * (1 - fy) + bottom * fy
                }
                let a = sample { Double(sprite.alpha[$0]) }
                guard a > 0 else { continue }
                let p = 3 * (y * frame.width + x)
                for c in 0..<3 {
                    let s = sample { Double(sprite.rgb[3 * $0 + c]) }
                    let mixed = a * s + (1 - a) * Double(frame.pixels[p + c])
                    frame.pixels[p + c] = UInt8(min(255, max(0, mixed.rounded())))
                }
            }
        }
    }

    /// Copies `region` of `source` over `frame`. Along region edges inside the frame the copy fades in over
    /// `feather` pixels, so the seam does not look like an edge moving with the region; along the frame's own
    /// edges it does not fade (there is no seam there).
    public static func blendRegion(_ region: PixelRect, from source: Frame, into frame: inout Frame, feather: Int) {
        precondition(frame.layout == .rgb24 && source.layout == .rgb24)
        precondition(source.width == frame.width && source.height == frame.height)
        let x1 = max(0, region.x1), y1 = max(0, region.y1)
        let x2 = min(frame.width - 1, region.x2), y2 = min(frame.height - 1, region.y2)
        guard x1 <= x2, y1 <= y2 else { return }
        let far = Int.max / 2
        for y in y1...y2 {
            let dy = min(y1 > 0 ? y - y1 : far, y2 < frame.height - 1 ? y2 - y : far)
            for x in x1...x2 {
                let dx = min(x1 > 0 ? x - x1 : far, x2 < frame.width - 1 ? x2 - x : far)
                let distance = min(dx, dy)
                let a = feather > 0 ? min(1.0, Double(distance + 1) / Double(feather + 1)) : 1.0
                let p = 3 * (y * frame.width + x)
                for c in 0..<3 {
                    let mixed = a * Double(source.pixels[p + c]) + (1 - a) * Double(frame.pixels[p + c])
                    frame.pixels[p + c] = UInt8(min(255, max(0, mixed.rounded())))
                }
            }
        }
    }
}
