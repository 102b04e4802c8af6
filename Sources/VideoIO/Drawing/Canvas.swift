/// An RGB colour.
public struct RGB: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public static let white = RGB(255, 255, 255), black = RGB(0, 0, 0), grey = RGB(200, 200, 200)
    public static let blue = RGB(31, 119, 180), orange = RGB(255, 127, 14), red = RGB(214, 39, 40)
    public static let green = RGB(44, 160, 44), pink = RGB(250, 205, 205)
}

/// A small software rasteriser into an RGB frame: pixels, filled rectangles, lines, bitmap text. Used for the
/// evaluation charts and for the overlays drawn on video frames.
public struct Canvas: Sendable {
    public private(set) var frame: Frame

    /// A canvas holding a copy of a frame (grey frames become RGB), to draw over it.
    public init(frame: Frame) {
        if frame.layout == .rgb24 {
            self.frame = frame
        } else {
            self.frame = Frame(index: frame.index, timestamp: frame.timestamp, width: frame.width, height: frame.height,
                               layout: .rgb24, pixels: frame.pixels.flatMap { [$0, $0, $0] })
        }
    }

    public init(width: Int, height: Int, background: RGB = .white) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = background.r; pixels[3 * i + 1] = background.g; pixels[3 * i + 2] = background.b }
        frame = Frame(width: width, height: height, layout: .rgb24, pixels: pixels)
    }

    public var width: Int { frame.width }
    public var height: Int { frame.height }

    public mutating func set(_ x: Int, _ y: Int, _ c: RGB) {
        guard x >= 0, y >= 0, x < frame.width, y < frame.height else { return }
        let i = 3 * (y * frame.width + x)
        frame.pixels[i] = c.r; frame.pixels[i + 1] = c.g; frame.pixels[i + 2] = c.b
    }

    public func pixel(_ x: Int, _ y: Int) -> RGB {
        let i = 3 * (y * frame.width + x)
        return RGB(frame.pixels[i], frame.pixels[i + 1], frame.pixels[i + 2])
    }

    /// Fills the inclusive rectangle x0...x1, y0...y1 (clipped).
    public mutating func fillRect(x0: Int, y0: Int, x1: Int, y1: Int, _ c: RGB) {
        let xa = max(0, min(x0, x1)), xb = min(frame.width - 1, max(x0, x1))
        let ya = max(0, min(y0, y1)), yb = min(frame.height - 1, max(y0, y1))
        guard xa <= xb, ya <= yb else { return }
        for y in ya...yb { for x in xa...xb { set(x, y, c) } }
    }

    /// Mixes colour `c` into the inclusive rectangle with weight `alpha` in [0, 1] (clipped).
    public mutating func blendRect(x0: Int, y0: Int, x1: Int, y1: Int, _ c: RGB, alpha: Float) {
        let xa = max(0, min(x0, x1)), xb = min(frame.width - 1, max(x0, x1))
        let ya = max(0, min(y0, y1)), yb = min(frame.height - 1, max(y0, y1))
        guard xa <= xb, ya <= yb, alpha > 0 else { return }
        let a = min(1, alpha)
        for y in ya...yb {
            for x in xa...xb {
                let i = 3 * (y * frame.width + x)
                frame.pixels[i] = UInt8((1 - a) * Float(frame.pixels[i]) + a * Float(c.r))
                frame.pixels[i + 1] = UInt8((1 - a) * Float(frame.pixels[i + 1]) + a * Float(c.g))
                frame.pixels[i + 2] = UInt8((1 - a) * Float(frame.pixels[i + 2]) + a * Float(c.b))
            }
        }
    }

    /// The outline of an inclusive rectangle, one pixel wide.
    public mutating func strokeRect(x0: Int, y0: Int, x1: Int, y1: Int, _ c: RGB) {
        fillRect(x0: x0, y0: y0, x1: x1, y1: y0, c)
        fillRect(x0: x0, y0: y1, x1: x1, y1: y1, c)
        fillRect(x0: x0, y0: y0, x1: x0, y1: y1, c)
        fillRect(x0: x1, y0: y0, x1: x1, y1: y1, c)
    }

    /// Copies `other` into this canvas with its top-left corner at (x, y) (clipped).
    public mutating func paste(_ other: Frame, x: Int, y: Int) {
        let source = Canvas(frame: other)
        for sy in 0..<other.height {
            for sx in 0..<other.width { set(x + sx, y + sy, source.pixel(sx, sy)) }
        }
    }

    /// A line from (x0, y0) to (x1, y1) (Bresenham), `thickness` pixels wide.
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGB, thickness: Int = 1) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        let lo = -(thickness - 1) / 2, hi = thickness / 2
        while true {
            for oy in lo...hi { for ox in lo...hi { set(x + ox, y + oy, c) } }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// Text in the built-in 5x7 font, top-left at (x, y), `scale` pixels per font pixel.
    public mutating func text(_ string: String, x: Int, y: Int, _ c: RGB, scale: Int = 1) {
        var cx = x
        for ch in string.uppercased() {
            if let rows = BitmapFont.glyph(ch) {
                for (row, bits) in rows.enumerated() {
                    for col in 0..<5 where bits & (0x10 >> col) != 0 {
                        fillRect(x0: cx + col * scale, y0: y + row * scale, x1: cx + col * scale + scale - 1, y1: y + row * scale + scale - 1, c)
                    }
                }
            }
            cx += 6 * scale
        }
    }

    public static func textWidth(_ string: String, scale: Int = 1) -> Int { string.count * 6 * scale - scale }
}
