import Foundation
import VideoIO

/// The pictures of one event: its peak frame, and a close-up of the peak object.
public struct EventPictures: Sendable {
    /// JPEG of the whole peak frame (at most the thumbnail width), the box drawn.
    public var frame: Data
    /// JPEG of the region around the box at the video's own resolution (at most `closeUpSide` pixels a side), the box
    /// drawn; nil when the peak frame has no object. In a surveillance frame scaled to 320 pixels a person is a few
    /// pixels tall: the close-up is what shows what they do.
    public var closeUp: Data?
}

/// Small JPEG pictures of the events' peak frames with the peak object's box drawn, for a page that opens fast.
public enum EventThumbnails {
    /// The box's colour and width in thumbnail pixels: red with a dark edge, visible on light and dark scenes.
    static let boxColor = RGB(255, 40, 40), boxEdge = RGB(20, 20, 20)
    /// The close-up's largest side in pixels, and its smallest region of the frame (a tiny box still shows context).
    static let closeUpSide = 240, closeUpMinimum = 48

    /// The pictures by event rank. Decodes the video once, forward, and keeps only the encoded pictures: memory stays
    /// that of one frame whatever the video's length. Stops after the last peak frame. `eventsPath` names the events
    /// file in errors about the events.
    public static func make(video: VideoSource, events: [ScoredEvent], maxWidth: Int, eventsPath: String) throws -> [Int: EventPictures] {
        guard let lastPeak = events.map(\.peakFrame).max() else { return [:] }
        let reader = try FrameReader(path: video.path)
        let native = reader.info
        for event in events {
            guard let box = event.box else { continue }
            guard box.xMax < native.width, box.yMax < native.height else {
                throw ReportError(eventsPath, "event \(event.rank)'s box \(box.xMin),\(box.yMin),\(box.xMax),\(box.yMax) lies outside "
                    + "the \(native.width)x\(native.height) frames of \(video.path) (is it the video that was scored?)")
            }
        }
        let size = thumbnailSize(width: native.width, height: native.height, maxWidth: maxWidth)
        let wanted = Dictionary(grouping: events, by: \.peakFrame)
        var pictures: [Int: EventPictures] = [:]
        var decoded = 0
        while decoded <= lastPeak, let frame = try reader.next() {
            decoded += 1
            guard let here = wanted[frame.index] else { continue }
            let small = downscaled(frame, to: size)
            for event in here {
                let overview = drawn(event.box, on: small, scaleX: Double(size.width) / Double(native.width),
                                     scaleY: Double(size.height) / Double(native.height))
                var closeUp: Data?
                if let box = event.box { closeUp = try ImageFile.jpegData(self.closeUp(of: box, in: frame), quality: 4, name: video.path) }
                pictures[event.rank] = EventPictures(frame: try ImageFile.jpegData(overview, quality: 5, name: video.path), closeUp: closeUp)
            }
        }
        guard decoded > lastPeak else {
            throw ReportError(video.path, "ends after \(decoded) frames, but \(eventsPath) has a peak at frame \(lastPeak) "
                + "(0-based; is it the video that was scored?)")
        }
        return pictures
    }

    /// The region of the frame around the box: the box widened by half its size each side (at least
    /// `closeUpMinimum` pixels a side), kept inside the frame, the box drawn, scaled down to `closeUpSide` when larger.
    static func closeUp(of box: EventBox, in frame: Frame) -> Frame {
        let region = closeUpRegion(of: box, width: frame.width, height: frame.height)
        let cropped = frame.cropped(x: region.x, y: region.y, width: region.width, height: region.height)
        let scale = min(1, Double(closeUpSide) / Double(max(region.width, region.height)))
        let size = (width: max(1, Int((Double(region.width) * scale).rounded())), height: max(1, Int((Double(region.height) * scale).rounded())))
        let shifted = EventBox(xMin: box.xMin - region.x, yMin: box.yMin - region.y, xMax: box.xMax - region.x, yMax: box.yMax - region.y)
        return drawn(shifted, on: downscaled(cropped, to: size), scaleX: Double(size.width) / Double(region.width),
                     scaleY: Double(size.height) / Double(region.height))
    }

    /// The close-up's region (top-left corner and size) in frame pixels.
    static func closeUpRegion(of box: EventBox, width: Int, height: Int) -> (x: Int, y: Int, width: Int, height: Int) {
        func span(_ lo: Int, _ hi: Int, limit: Int) -> (Int, Int) {
            let size = hi - lo + 1
            let wanted = min(limit, max(closeUpMinimum, 2 * size))
            let start = max(0, min(limit - wanted, lo - (wanted - size) / 2))
            return (start, wanted)
        }
        let (x, w) = span(box.xMin, box.xMax, limit: width), (y, h) = span(box.yMin, box.yMax, limit: height)
        return (x, y, w, h)
    }

    /// The frame averaged down to `size` (each output pixel the mean of the input pixels it covers); the frame
    /// itself when the size is its own. Only the peak frames go through it, so it need not be fast.
    static func downscaled(_ frame: Frame, to size: (width: Int, height: Int)) -> Frame {
        guard size.width != frame.width || size.height != frame.height else { return frame }
        let c = frame.layout.channels
        var out = [UInt8](repeating: 0, count: size.width * size.height * c)
        frame.pixels.withUnsafeBufferPointer { src in
            for oy in 0..<size.height {
                let y0 = oy * frame.height / size.height, y1 = max(y0 + 1, (oy + 1) * frame.height / size.height)
                for ox in 0..<size.width {
                    let x0 = ox * frame.width / size.width, x1 = max(x0 + 1, (ox + 1) * frame.width / size.width)
                    for k in 0..<c {
                        var sum = 0
                        for y in y0..<y1 { for x in x0..<x1 { sum += Int(src[(y * frame.width + x) * c + k]) } }
                        let count = (y1 - y0) * (x1 - x0)
                        out[(oy * size.width + ox) * c + k] = UInt8((sum + count / 2) / count)
                    }
                }
            }
        }
        return Frame(index: frame.index, timestamp: frame.timestamp, width: size.width, height: size.height, layout: frame.layout, pixels: out)
    }

    /// The thumbnail's size: the frame's, or `maxWidth` wide with the same aspect (at least 1 pixel high).
    static func thumbnailSize(width: Int, height: Int, maxWidth: Int) -> (width: Int, height: Int) {
        guard width > maxWidth else { return (width, height) }
        return (maxWidth, max(1, Int((Double(height) * Double(maxWidth) / Double(width)).rounded())))
    }

    /// The frame with the box (in original-frame pixels) outlined at the thumbnail's scale: a 2-pixel red line
    /// inside a 1-pixel dark edge.
    static func drawn(_ box: EventBox?, on frame: Frame, scaleX: Double, scaleY: Double) -> Frame {
        var canvas = Canvas(frame: frame)
        guard let box else { return canvas.frame }
        // Inclusive pixel boxes: pixel x covers [x, x + 1) before scaling.
        let x0 = Int((Double(box.xMin) * scaleX).rounded(.down)), y0 = Int((Double(box.yMin) * scaleY).rounded(.down))
        let x1 = max(x0, Int((Double(box.xMax + 1) * scaleX).rounded(.up)) - 1)
        let y1 = max(y0, Int((Double(box.yMax + 1) * scaleY).rounded(.up)) - 1)
        canvas.strokeRect(x0: x0 - 1, y0: y0 - 1, x1: x1 + 1, y1: y1 + 1, boxEdge)
        canvas.strokeRect(x0: x0, y0: y0, x1: x1, y1: y1, boxColor)
        canvas.strokeRect(x0: x0 + 1, y0: y0 + 1, x1: x1 - 1, y1: y1 - 1, boxColor)
        return canvas.frame
    }
}
