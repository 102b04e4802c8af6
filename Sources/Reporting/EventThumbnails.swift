import Foundation
import VideoIO

/// Small JPEG pictures of the events' peak frames with the peak object's box drawn, for a page that opens fast.
public enum EventThumbnails {
    /// The box's colour and width in thumbnail pixels: red with a dark edge, visible on light and dark scenes.
    static let boxColor = RGB(255, 40, 40), boxEdge = RGB(20, 20, 20)

    /// The thumbnails by event rank. Decodes the video once, forward, scaled to at most `maxWidth` pixels wide, and
    /// keeps only the encoded thumbnails: memory stays that of one frame whatever the video's length. Stops after the
    /// last peak frame. `eventsPath` names the events file in errors about the events.
    public static func make(video: VideoSource, events: [ScoredEvent], maxWidth: Int, eventsPath: String) throws -> [Int: Data] {
        guard let lastPeak = events.map(\.peakFrame).max() else { return [:] }
        let native = try FrameReader(path: video.path).info
        for event in events {
            guard let box = event.box else { continue }
            guard box.xMax < native.width, box.yMax < native.height else {
                throw ReportError(eventsPath, "event \(event.rank)'s box \(box.xMin),\(box.yMin),\(box.xMax),\(box.yMax) lies outside "
                    + "the \(native.width)x\(native.height) frames of \(video.path) (is it the video that was scored?)")
            }
        }
        let size = thumbnailSize(width: native.width, height: native.height, maxWidth: maxWidth)
        let reader = try FrameReader(path: video.path, outputSize: size == (native.width, native.height) ? nil : size, filter: .area)
        let wanted = Dictionary(grouping: events, by: \.peakFrame)
        var thumbnails: [Int: Data] = [:]
        var decoded = 0
        while decoded <= lastPeak, let frame = try reader.next() {
            decoded += 1
            guard let here = wanted[frame.index] else { continue }
            for event in here {
                let picture = drawn(event.box, on: frame, scaleX: Double(size.width) / Double(native.width),
                                    scaleY: Double(size.height) / Double(native.height))
                thumbnails[event.rank] = try ImageFile.jpegData(picture, quality: 5, name: video.path)
            }
        }
        guard decoded > lastPeak else {
            throw ReportError(video.path, "ends after \(decoded) frames, but \(eventsPath) has a peak at frame \(lastPeak) "
                + "(0-based; is it the video that was scored?)")
        }
        return thumbnails
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
