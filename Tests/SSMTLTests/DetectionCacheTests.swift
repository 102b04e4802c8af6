import XCTest
@testable import SSMTL
import Detection
import VideoIO

/// The training detection cache: frames detected together (a batch detector) or one by one give the same cached
/// boxes, each frame is detected once, in order.
final class DetectionCacheTests: XCTestCase {
    /// Boxes that depend on the frame and on how many frames came before (like a background model), and a log of
    /// how frames arrived.
    final class Counting: BatchObjectDetector {
        var seen = 0
        var calls: [String] = []
        func detect(_ frame: Frame) throws -> [DetectionBox] {
            calls.append("1:\(frame.index)")
            return boxes(frame)
        }
        func detect(frames: [Frame]) throws -> [[DetectionBox]] {
            calls.append("n:" + frames.map { "\($0.index)" }.joined(separator: ","))
            return frames.map(boxes)
        }
        private func boxes(_ frame: Frame) -> [DetectionBox] {
            defer { seen += 1 }
            return (0..<(frame.index % 3)).map { DetectionBox(x1: $0, y1: seen, x2: $0 + 4, y2: seen + 4) }
        }
    }

    func testBatchesAndSingleFramesCacheTheSameBoxes() throws {
        let video = VideoSource(name: "v", path: "/nonexistent", isFrameFolder: true)
        let frames = (0..<7).map { Frame(index: $0, width: 8, height: 8, layout: .gray8, pixels: [UInt8](repeating: 0, count: 64)) }
        let batched = Counting(), single = Counting()
        let a = DetectionCache(videos: [video]) { _ in batched }
        let b = DetectionCache(videos: [video]) { _ in single }
        let together = try a.objects(video: 0, frames: Array(frames[0..<3])) + a.objects(video: 0, frames: Array(frames[3..<7]))
        let alone = try frames.map { try b.objects(video: 0, frame: $0) }
        XCTAssertEqual(together, alone)
        XCTAssertEqual(batched.calls, ["n:0,1,2", "n:3,4,5,6"])
        // Cached frames are not detected again, whichever way they are asked for.
        XCTAssertEqual(try a.objects(video: 0, frame: frames[4]), alone[4])
        XCTAssertEqual(try a.objects(video: 0, frames: Array(frames[5..<7])), Array(alone[5..<7]))
        XCTAssertEqual(batched.calls.count, 2)
        XCTAssertEqual(a.objectCount, alone.reduce(0) { $0 + $1.count })
    }
}
