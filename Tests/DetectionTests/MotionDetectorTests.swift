import XCTest
import VideoIO
@testable import Detection

final class MotionDetectorTests: XCTestCase {
    /// A static textured background with a bright 16x16 square moving 3 px per frame.
    func frame(_ t: Int, width: Int = 120, height: Int = 80) -> Frame {
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { pixels[y * width + x] = UInt8(60 + (x * 7 + y * 13) % 40) } }
        let sx = 10 + 3 * t, sy = 30
        for y in sy..<min(height, sy + 16) { for x in sx..<min(width, sx + 16) { pixels[y * width + x] = 230 } }
        return Frame(index: t, width: width, height: height, layout: .gray8, pixels: pixels)
    }

    func testFindsTheMovingSquare() throws {
        let detector = MotionDetector()
        var last: [DetectionBox] = []
        for t in 0..<20 { last = try detector.detect(frame(t)) }
        XCTAssertEqual(last.count, 1, "\(last)")
        let truth = DetectionBox(x1: 10 + 57, y1: 30, x2: 10 + 57 + 15, y2: 45)
        XCTAssertGreaterThan(last[0].iou(truth), 0.25, "\(last[0])")
        XCTAssertTrue(last[0].x1 <= truth.x1 && last[0].x2 >= truth.x2 && last[0].y1 <= truth.y1 && last[0].y2 >= truth.y2)
    }

    func testStaticVideoGivesNoBoxes() throws {
        let detector = MotionDetector()
        let still = frame(0)
        for _ in 0..<10 { XCTAssertEqual(try detector.detect(still), []) }
    }

    func testRGBFramesAndSizeChangesDoNotTrap() throws {
        let detector = MotionDetector()
        let grey = frame(0)
        let rgb = Frame(width: grey.width, height: grey.height, layout: .rgb24, pixels: grey.pixels.flatMap { [$0, $0, $0] })
        _ = try detector.detect(rgb)
        _ = try detector.detect(frame(1, width: 50, height: 40))
        _ = try detector.detect(Frame(width: 1, height: 1, layout: .gray8, pixels: [0]))
    }

    func testMorphologyAndComponents() {
        var mask: [UInt8] = [0, 0, 0, 0, 0,
                             0, 1, 1, 0, 0,
                             0, 1, 1, 0, 1,
                             0, 0, 0, 0, 0]
        var scratch: [UInt8] = []
        var labels: [Int32] = []
        let comps = ConnectedComponents.find(mask, marked: mask, width: 5, height: 4, labels: &labels)
        XCTAssertEqual(comps.count, 2)
        XCTAssertEqual(comps[0], Component(x1: 1, y1: 1, x2: 2, y2: 2, area: 4, marked: 4))
        BinaryMorphology.apply(&mask, width: 5, height: 4, radius: 1, dilate: false, scratch: &scratch)
        XCTAssertEqual(mask.reduce(0) { $0 + Int($1) }, 0)   // 2x2 block erodes away with a 3x3 window
    }
}

final class MotionPrimingTests: XCTestCase {
    func testPrimedBackgroundFindsAnObjectInTheFirstFrame() throws {
        let w = 60, h = 40
        let background = (0..<(w * h)).map { UInt8(50 + ($0 * 7) % 30) }
        var first = background
        for y in 10..<22 { for x in 20..<32 { first[y * w + x] = 220 } }
        let detector = MotionDetector()
        detector.prime(background: background, width: w, height: h)
        let boxes = try detector.detect(Frame(width: w, height: h, layout: .gray8, pixels: first))
        XCTAssertEqual(boxes.count, 1)
        XCTAssertGreaterThan(boxes[0].iou(DetectionBox(x1: 20, y1: 10, x2: 31, y2: 21)), 0.3, "\(boxes)")
        // A wrong-sized prime is ignored, not a crash.
        detector.prime(background: [1, 2, 3], width: 5, height: 5)
        XCTAssertEqual(try detector.detect(Frame(width: w, height: h, layout: .gray8, pixels: first)), [])
    }

    func testMedianOfImages() {
        XCTAssertEqual(BackgroundEstimate.median([[1, 9], [3, 7], [2, 8]], count: 2), [2, 8])
        XCTAssertEqual(BackgroundEstimate.median([[1, 9], [3, 7]], count: 2), [1, 7])
    }
}
