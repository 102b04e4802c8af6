import VideoIO

/// Draws a video's scores onto its frames: each object's box coloured from green (normal) to red (anomalous),
/// a red heat map over the cells of the anomaly map, and a strip at the bottom with the frame-score curve and
/// a cursor at the current frame. A second pass over the video after scoring, so scoring itself never has to
/// hold frames back.
public struct OverlayRenderer {
    public var block = 20
    /// Object scores at or above this many standard deviations are drawn fully red.
    public var saturation: Float = 3
    public var stripHeight = 24

    public init() {}

    public func render(video reader: FrameReader, rows: [FrameScorer.Row], objects: [ScoredObject], to path: String) throws {
        let byFrame = Dictionary(grouping: objects, by: \.frame)
        let width = reader.info.width, height = reader.info.height
        let writer = try VideoWriter(path: path, width: width, height: height + stripHeight,
                                     fps: reader.info.fps > 0 ? reader.info.fps : 25)
        let scores = rows.map(\.score)
        let lo = scores.min() ?? 0, hi = max(scores.max() ?? 1, lo + 1e-9)
        while let frame = try reader.next() {
            let objects = byFrame[frame.index] ?? []
            var canvas = Canvas(width: width, height: height + stripHeight)
            canvas.paste(frame)
            var map = AnomalyMap(frameWidth: width, frameHeight: height, block: block)
            for object in objects { map.add(object.box, score: object.score) }
            for r in 0..<map.rows {
                for c in 0..<map.columns {
                    let strength = min(1, max(0, map.cells[r * map.columns + c] / saturation))
                    guard strength > 0 else { continue }
                    canvas.tint(x1: c * block, y1: r * block, x2: min(width, (c + 1) * block) - 1, y2: min(height, (r + 1) * block) - 1,
                                color: (255, 0, 0), alpha: 0.45 * strength)
                }
            }
            for object in objects {
                let t = min(1, max(0, object.score / saturation))
                canvas.rectangle(object.box, color: (UInt8(255 * t), UInt8(255 * (1 - t)), 0))
            }
            // The score strip: the whole video's curve, the current frame marked.
            for x in 0..<width {
                let f = min(scores.count - 1, x * scores.count / max(width, 1))
                guard f >= 0 else { break }
                let level = Int(Double(stripHeight - 2) * (scores[f] - lo) / (hi - lo))
                canvas.fill(x1: x, y1: height + stripHeight - 1 - level, x2: x, y2: height + stripHeight - 1, color: (200, 80, 60))
            }
            let cursor = scores.isEmpty ? 0 : frame.index * width / scores.count
            canvas.fill(x1: cursor, y1: height, x2: min(cursor + 1, width - 1), y2: height + stripHeight - 1, color: (255, 255, 255))
            try writer.append(canvas.frame(index: frame.index))
        }
        try writer.finish()
    }
}

/// A small RGB drawing surface.
struct Canvas {
    let width: Int, height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 16, count: width * height * 3)
    }

    mutating func paste(_ frame: Frame) {
        let rgb = frame.layout == .rgb24 ? frame.pixels : frame.pixels.flatMap { [$0, $0, $0] }
        pixels.replaceSubrange(0..<rgb.count, with: rgb)
    }

    mutating func fill(x1: Int, y1: Int, x2: Int, y2: Int, color: (UInt8, UInt8, UInt8)) {
        for y in max(0, y1)...min(height - 1, max(y2, 0)) where y2 >= 0 && y1 < height {
            for x in max(0, x1)...min(width - 1, max(x2, 0)) where x2 >= 0 && x1 < width {
                let i = 3 * (y * width + x)
                pixels[i] = color.0; pixels[i + 1] = color.1; pixels[i + 2] = color.2
            }
        }
    }

    mutating func tint(x1: Int, y1: Int, x2: Int, y2: Int, color: (UInt8, UInt8, UInt8), alpha: Float) {
        guard x1 <= x2, y1 <= y2 else { return }
        for y in max(0, y1)...min(height - 1, y2) {
            for x in max(0, x1)...min(width - 1, x2) {
                let i = 3 * (y * width + x)
                for (k, c) in [color.0, color.1, color.2].enumerated() {
                    pixels[i + k] = UInt8((1 - alpha) * Float(pixels[i + k]) + alpha * Float(c))
                }
            }
        }
    }

    mutating func rectangle(_ box: PixelBox, color: (UInt8, UInt8, UInt8)) {
        fill(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y1, color: color)
        fill(x1: box.x1, y1: box.y2, x2: box.x2, y2: box.y2, color: color)
        fill(x1: box.x1, y1: box.y1, x2: box.x1, y2: box.y2, color: color)
        fill(x1: box.x2, y1: box.y1, x2: box.x2, y2: box.y2, color: color)
    }

    func frame(index: Int) -> Frame {
        Frame(index: index, width: width, height: height, layout: .rgb24, pixels: pixels)
    }
}
