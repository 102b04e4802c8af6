import Foundation
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
            var canvas = Canvas(width: width, height: height + stripHeight, background: RGB(16, 16, 16))
            canvas.paste(frame, x: 0, y: 0)
            var map = AnomalyMap(frameWidth: width, frameHeight: height, block: block)
            for object in objects { map.add(object.box, score: object.score) }
            for r in 0..<map.rows {
                for c in 0..<map.columns {
                    let strength = min(1, max(0, map.cells[r * map.columns + c] / saturation))
                    canvas.blendRect(x0: c * block, y0: r * block, x1: (c + 1) * block - 1, y1: (r + 1) * block - 1,
                                     RGB(255, 0, 0), alpha: 0.45 * strength)
                }
            }
            for object in objects {
                let t = min(1, max(0, object.score / saturation))
                let b = object.box
                canvas.strokeRect(x0: b.x1, y0: b.y1, x1: b.x2, y1: b.y2, RGB(UInt8(255 * t), UInt8(255 * (1 - t)), 0))
            }
            // The score strip: the whole video's curve, the current frame marked and labelled.
            for x in 0..<width where !scores.isEmpty {
                let f = min(scores.count - 1, x * scores.count / max(width, 1))
                let level = Int(Double(stripHeight - 2) * (scores[f] - lo) / (hi - lo))
                canvas.fillRect(x0: x, y0: height + stripHeight - 1 - level, x1: x, y1: height + stripHeight - 1, RGB(200, 80, 60))
            }
            let cursor = scores.isEmpty ? 0 : frame.index * width / scores.count
            canvas.fillRect(x0: cursor, y0: height, x1: cursor + 1, y1: height + stripHeight - 1, .white)
            if frame.index < scores.count {
                canvas.text(String(format: "%d  %.2f", frame.index, scores[frame.index]), x: 2, y: height + 2, .white)
            }
            var out = canvas.frame
            out.index = frame.index
            try writer.append(out)
        }
        try writer.finish()
    }
}
