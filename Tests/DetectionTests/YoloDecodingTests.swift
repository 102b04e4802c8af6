import XCTest
import NeuralNet
import VideoIO
@testable import Detection

final class YoloDecodingTests: XCTestCase {
    func logit(_ p: Float) -> Float { log(p / (1 - p)) }

    func testDecodesOneBoxFromAHandMadeTensor() {
        // 1 anchor (mask 1 of anchors (10,10),(20,40)), 2 classes, 2x2 grid, net 64x64.
        let spec = YoloSpec(mask: [1], anchors: [10, 10, 20, 40], classes: 2)
        let shape = TensorShape(c: 7, h: 2, w: 2)
        var raw = [Float](repeating: -10, count: 7 * 4)
        let loc = 1 * 2 + 0 // row 1, col 0
        raw[0 * 4 + loc] = 0            // x: sigmoid 0.5
        raw[1 * 4 + loc] = logit(0.25)  // y
        raw[2 * 4 + loc] = log(2)       // w: 2 * 20
        raw[3 * 4 + loc] = 0            // h: 40
        raw[4 * 4 + loc] = logit(0.9)   // objectness
        raw[5 * 4 + loc] = logit(0.2)
        raw[6 * 4 + loc] = logit(0.8)
        let boxes = YoloDecoder.decode(raw, shape: shape, spec: spec, netW: 64, netH: 64, threshold: 0.5)
        XCTAssertEqual(boxes.count, 1)
        let b = boxes[0]
        XCTAssertEqual(b.x, 0.25, accuracy: 1e-6)
        XCTAssertEqual(b.y, (1 + 0.25) / 2, accuracy: 1e-6)
        XCTAssertEqual(b.w, 40 / 64, accuracy: 1e-6)
        XCTAssertEqual(b.h, 40 / 64, accuracy: 1e-6)
        XCTAssertEqual(b.rawProbabilities[0], 0.18, accuracy: 1e-5)
        XCTAssertEqual(b.rawProbabilities[1], 0.72, accuracy: 1e-5)
        XCTAssertEqual(b.probabilities, [0, b.rawProbabilities[1]])
        // Stretch to a 128x64 frame: centre (32, 40), size 80 x 40.
        let g = LetterboxGeometry(imageW: 128, imageH: 64, netW: 64, netH: 64, mode: .stretch)
        let px = YoloDecoder.toFrameBoxes(boxes, geometry: g, imageW: 128, imageH: 64, threshold: 0.5)
        XCTAssertEqual(px.count, 1)
        XCTAssertEqual(px[0].classID, 1)
        XCTAssertEqual(px[0].x1, 0); XCTAssertEqual(px[0].x2, 72)
        XCTAssertEqual(px[0].y1, 20); XCTAssertEqual(px[0].y2, 60)
        XCTAssertEqual(px[0].classProbabilities.count, 2)
    }

    func testLetterboxGeometryAndMapping() {
        let g = LetterboxGeometry(imageW: 360, imageH: 240, netW: 416, netH: 416, mode: .letterbox)
        XCTAssertEqual(g.newW, 416); XCTAssertEqual(g.newH, 277)
        XCTAssertEqual(g.offsetY, 69)
        // A box covering the whole letterboxed image maps to the whole frame.
        let c = YoloCandidate(x: 0.5, y: 0.5, w: 1, h: 277.0 / 416, objectness: 1, probabilities: [0.9], rawProbabilities: [0.9])
        let px = YoloDecoder.toFrameBoxes([c], geometry: g, imageW: 360, imageH: 240, threshold: 0.5)
        XCTAssertEqual(px[0].x1, 0); XCTAssertEqual(px[0].y1, 0); XCTAssertEqual(px[0].x2, 359); XCTAssertEqual(px[0].y2, 239)
    }

    func testPerClassNMS() {
        func box(_ x: Float, _ p0: Float, _ p1: Float) -> YoloCandidate {
            YoloCandidate(x: x, y: 0.5, w: 0.2, h: 0.2, objectness: 1, probabilities: [p0, p1], rawProbabilities: [p0, p1])
        }
        var boxes = [box(0.5, 0.9, 0), box(0.52, 0.8, 0.7), box(0.9, 0.6, 0)]
        YoloDecoder.nms(&boxes, classes: 2, threshold: 0.45)
        XCTAssertEqual(boxes[0].probabilities, [0.9, 0])
        XCTAssertEqual(boxes[1].probabilities, [0, 0.7])   // suppressed in class 0, survives in class 1
        XCTAssertEqual(boxes[2].probabilities, [0.6, 0])   // no overlap
        XCTAssertEqual(YoloDecoder.iou(box(0.5, 1, 0), box(0.5, 1, 0)), 1, accuracy: 1e-6)
    }

    func testDetectorEndToEndOnAFrame() throws {
        let net = try DarknetNetwork.load(cfgPath: Paths.model("yolov3-tiny-mini.cfg"))
        let runner = try DarknetRunner(network: net, weights: try DarknetWeights.load(path: Paths.fixture("yolov3-tiny-mini.weights"), network: net))
        let detector = try YoloDetector(runner: runner, confidence: 0.01, nmsThreshold: 0.45, resize: .letterbox)
        let frame = Frame(width: 40, height: 30, layout: .rgb24, pixels: (0..<3600).map { UInt8($0 % 251) })
        let boxes = try detector.detect(frame)
        for b in boxes {
            XCTAssertTrue(b.x1 >= 0 && b.x1 <= b.x2 && b.x2 < 40 && b.y1 >= 0 && b.y1 <= b.y2 && b.y2 < 30)
            XCTAssertEqual(b.classProbabilities.count, 80)
        }
    }

    func testFramesAtOnceEqualOneByOne() throws {
        let net = try DarknetNetwork.load(cfgPath: Paths.model("yolov3-tiny-mini.cfg"))
        let runner = try DarknetRunner(network: net, weights: try DarknetWeights.load(path: Paths.fixture("yolov3-tiny-mini.weights"), network: net))
        let detector = try YoloDetector(runner: runner, confidence: 0.01, nmsThreshold: 0.45, resize: .letterbox)
        let frames = (0..<5).map { k in Frame(index: k, width: 40, height: 30, layout: .rgb24, pixels: (0..<3600).map { UInt8(($0 * (k + 3)) % 251) }) }
        let oneByOne = try frames.map(detector.detect)
        // The plan is process-wide: put back exactly what the next test finds (a test that sizes its workspace for
        // one worker corrupts the heap under a two-worker plan).
        let previous = Threads.plan
        defer {
            switch previous {
            case let .blas(n): Threads.configure(threads: n, preferBLAS: true)
            case let .swiftLoops(n): Threads.configure(threads: n, preferBLAS: false)
            }
        }
        Threads.configure(threads: 2, preferBLAS: false)
        XCTAssertEqual(try detector.detect(frames: frames), oneByOne)
        XCTAssertGreaterThan(oneByOne.map(\.count).reduce(0, +), 0)
    }

    func testCSVRoundTrip() throws {
        let b = DetectionBox(x1: 1, y1: 2, x2: 30, y2: 40, confidence: 0.123456, classID: 3)
        let text = DetectionCSV.header + "\n" + DetectionCSV.row(frame: 7, b) + "\n"
        XCTAssertEqual(text, "frame,x1,y1,x2,y2,confidence,class\n7,1,2,30,40,0.1235,3\n")
        let rows = try DetectionCSV.parse(text)
        XCTAssertEqual(rows.count, 1); XCTAssertEqual(rows[0].frame, 7); XCTAssertEqual(rows[0].box.x2, 30)
        XCTAssertThrowsError(try DetectionCSV.parse(DetectionCSV.header + "\n1,2,3\n"))
    }
}
