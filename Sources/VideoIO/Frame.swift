/// Pixel layouts the reader can deliver. Both are packed (no row padding): row stride = width * channels.
public enum PixelLayout: String, Sendable, CaseIterable {
    case rgb24
    case gray8

    public var channels: Int { self == .rgb24 ? 3 : 1 }
}

/// ITU-R BT.601 luma weights in thousandths (they sum to 1000, so integer arithmetic on them stays exact). Inlinable:
/// the detector's per-pixel loop sees constants.
public enum Luma {
    @inlinable public static var red: Int { 299 }
    @inlinable public static var green: Int { 587 }
    @inlinable public static var blue: Int { 114 }
}

/// One decoded picture, packed, row-major, top row first.
/// pixels.count == width * height * layout.channels
public struct Frame: Sendable {
    /// 0-based position in decode (presentation) order.
    public var index: Int
    /// Seconds from the start of the stream (index / fps for frame folders).
    public var timestamp: Double
    public var width: Int
    public var height: Int
    public var layout: PixelLayout
    public var pixels: [UInt8]

    public init(index: Int = 0, timestamp: Double = 0, width: Int, height: Int, layout: PixelLayout, pixels: [UInt8]) {
        precondition(pixels.count == width * height * layout.channels, "pixel buffer does not match the frame size")
        self.index = index
        self.timestamp = timestamp
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
    }

    /// The frame as 8-bit grey (ITU-R BT.601 luma, rounded), a copy when it is RGB.
    public func grayscale() -> Frame {
        if layout == .gray8 { return self }
        var grey = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { rgb in
            for i in 0..<(width * height) {
                let r = Int(rgb[3 * i]), g = Int(rgb[3 * i + 1]), b = Int(rgb[3 * i + 2])
                grey[i] = UInt8((Luma.red * r + Luma.green * g + Luma.blue * b + 500) / 1000)
            }
        }
        return Frame(index: index, timestamp: timestamp, width: width, height: height, layout: .gray8, pixels: grey)
    }

    /// The pixels of the rectangle at (`x`, `y`) of `width` x `height` (inside the frame) as a frame of their own,
    /// same index, timestamp and layout.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Frame {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height, "crop outside the frame")
        let c = layout.channels, rowBytes = w * c
        var out = [UInt8](repeating: 0, count: h * rowBytes)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in 0..<h {
                    let from = ((y + row) * width + x) * c
                    dst.baseAddress!.advanced(by: row * rowBytes).update(from: src.baseAddress!.advanced(by: from), count: rowBytes)
                }
            }
        }
        return Frame(index: index, timestamp: timestamp, width: w, height: h, layout: layout, pixels: out)
    }
}
