import VideoIO

public enum BoxDrawing {
    /// Draws the outlines of `boxes` (2 px, one colour per class) into an RGB24 copy of `frame`.
    public static func draw(_ boxes: [DetectionBox], on frame: Frame) -> Frame {
        var out = frame
        if frame.layout == .gray8 {
            out = Frame(index: frame.index, timestamp: frame.timestamp, width: frame.width, height: frame.height, layout: .rgb24,
                        pixels: frame.pixels.flatMap { [$0, $0, $0] })
        }
        let palette: [(UInt8, UInt8, UInt8)] = [(255, 40, 40), (40, 220, 40), (60, 120, 255), (255, 200, 0), (220, 0, 220), (0, 220, 220)]
        let w = out.width, h = out.height
        for box in boxes {
            let colour = palette[abs(box.classID) % palette.count]
            let x1 = max(0, box.x1), x2 = min(w - 1, box.x2), y1 = max(0, box.y1), y2 = min(h - 1, box.y2)
            guard x1 <= x2, y1 <= y2 else { continue }
            func paint(_ x: Int, _ y: Int) {
                let i = (y * w + x) * 3
                out.pixels[i] = colour.0; out.pixels[i + 1] = colour.1; out.pixels[i + 2] = colour.2
            }
            for t in 0..<2 {
                for x in x1...x2 {
                    paint(x, min(y2, y1 + t)); paint(x, max(y1, y2 - t))
                }
                for y in y1...y2 {
                    paint(min(x2, x1 + t), y); paint(max(x1, x2 - t), y)
                }
            }
        }
        return out
    }
}
