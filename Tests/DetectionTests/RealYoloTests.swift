import Foundation
import XCTest
import VideoIO
@testable import Detection

/// The real COCO YOLOv3-tiny (Models/yolov3-tiny.weights from Scripts/fetch_models.sh) on real Ped2 and Avenue frames
/// against OpenCV DNN 4.x (Scripts/make_yolo_fixtures.py): the network input against darknet's resize arithmetic
/// (NumPy), the raw outputs feeding both [yolo] layers to 1e-4, and the boxes after darknet's thresholds and per-class
/// NMS. Skips when the weights have not been fetched.
final class RealYoloTests: XCTestCase {
    struct Manifest: Decodable {
        struct Layer: Decodable { var layer: Int; var count: Int; var plane: Int }
        struct FrameCase: Decodable {
            var name: String, source: String, resize: String
            var width: Int, height: Int
            var blobSum: Double, blobSumSquares: Double
            var layers: [Layer]
            var boxes: [String: [[Double]]]
        }
        var net: Int, blobStride: Int, outStride: Int, nms: Double
        var frames: [FrameCase]
    }

    static let weightsBytes = 35_434_956

    func coco(_ name: String) -> String { Paths.fixture("coco/\(name)") }

    func loadRunner() throws -> DarknetRunner {
        let weights = Paths.model("yolov3-tiny.weights")
        guard let size = (try? FileManager.default.attributesOfItem(atPath: weights))?[.size] as? Int else {
            throw XCTSkip("\(weights) is missing: Scripts/fetch_models.sh fetches it (Scripts/test.sh runs it)")
        }
        XCTAssertEqual(size, Self.weightsBytes, "\(weights) is not the COCO yolov3-tiny file")
        return try DarknetRunner(cfgPath: Paths.model("yolov3-tiny.cfg"), weightsPath: weights)
    }

    func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: coco("manifest.json"))))
    }

    func testNetworkInputFollowsDarknetResize() throws {
        let m = try manifest()
        XCTAssertEqual(m.frames.count, 4)
        for f in m.frames {
            let frame = try ImageFile.read(path: coco("\(f.name).png"), layout: .rgb24)
            XCTAssertEqual([frame.width, frame.height], [f.width, f.height], f.name)
            let mode = try XCTUnwrap(ResizeMode(rawValue: f.resize))
            let input = Preprocess.networkInput(frame, channels: 3, netW: m.net, netH: m.net, mode: mode)
            let sample = try readFloats(coco("\(f.name).blob.f32"))
            let ours = stride(from: 0, to: input.count, by: m.blobStride).map { input[$0] }
            XCTAssertEqual(ours.count, sample.count, f.name)
            let diff = zip(ours, sample).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(diff, 1e-6, "\(f.name): input against darknet's resize")
            let sum = input.reduce(0.0) { $0 + Double($1) }, squares = input.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(sum, f.blobSum, accuracy: 1e-6 * f.blobSum, "\(f.name): input sum")
            XCTAssertEqual(squares, f.blobSumSquares, accuracy: 1e-6 * f.blobSumSquares, "\(f.name): input sum of squares")
        }
    }

    func testRawOutputsMatchOpenCV() throws {
        let runner = try loadRunner()
        let m = try manifest()
        for f in m.frames {
            let frame = try ImageFile.read(path: coco("\(f.name).png"), layout: .rgb24)
            let mode = try XCTUnwrap(ResizeMode(rawValue: f.resize))
            let input = Preprocess.networkInput(frame, channels: 3, netW: m.net, netH: m.net, mode: mode)
            let outputs = try runner.forward(input, keep: Set(f.layers.map(\.layer)))
            for layer in f.layers {
                let got = try XCTUnwrap(outputs[layer.layer])
                XCTAssertEqual(got.count, layer.count)
                // The file: every outStride-th value, then the objectness planes (entry 4 of each of the 3 anchors).
                let expected = try readFloats(coco("\(f.name).L\(layer.layer).f32"))
                var ours = stride(from: 0, to: got.count, by: m.outStride).map { got[$0] }
                for anchor in 0..<3 {
                    let start = (anchor * 85 + 4) * layer.plane
                    ours += got[start..<start + layer.plane]
                }
                XCTAssertEqual(ours.count, expected.count, "\(f.name) layer \(layer.layer)")
                // 1e-4 absolute below 1 and relative above: these logits reach |30|, where float32 sums of 4608
                // products in another order differ by ~1e-4 absolute (the float's step there is 2e-6).
                let diff = zip(ours, expected).map { abs($0 - $1) }.max() ?? .infinity
                let scaled = zip(ours, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
                print("\(f.name) layer \(layer.layer): max |swift - opencv| = \(diff), relative \(scaled) over \(ours.count) values")
                XCTAssertLessThan(scaled, 1e-4, "\(f.name) layer \(layer.layer)")
            }
        }
    }

    func testBoxesAfterNMSMatchOpenCV() throws {
        let runner = try loadRunner()
        let m = try manifest()
        var compared = 0
        for f in m.frames {
            let frame = try ImageFile.read(path: coco("\(f.name).png"), layout: .rgb24)
            let mode = try XCTUnwrap(ResizeMode(rawValue: f.resize))
            for (threshold, expected) in f.boxes {
                let detector = try YoloDetector(runner: runner, confidence: try XCTUnwrap(Float(threshold)),
                                                nmsThreshold: Float(m.nms), resize: mode)
                let ours = try detector.detect(frame).sorted {
                    ($0.classID, -$0.confidence, $0.x1, $0.y1) < ($1.classID, -$1.confidence, $1.x1, $1.y1)
                }
                let context = "\(f.name) at confidence \(threshold)"
                XCTAssertEqual(ours.count, expected.count, context)
                for (a, b) in zip(ours, expected) {
                    XCTAssertEqual(a.classID, Int(b[5]), context)
                    XCTAssertEqual(Double(a.confidence), b[4], accuracy: 1e-4, context)
                    // Integer pixels of float boxes: a rounding difference may cross a pixel boundary.
                    for (ours, theirs) in zip([a.x1, a.y1, a.x2, a.y2], b[0..<4]) {
                        XCTAssertLessThanOrEqual(abs(ours - Int(theirs)), 1, "\(context): box \(a) against \(b)")
                    }
                    compared += 1
                }
            }
        }
        XCTAssertGreaterThan(compared, 40, "the fixtures hold people at both thresholds")
    }

    /// The cfg's second [yolo] mask must be 1,2,3, as the COCO weights were trained: with 0,1,2 the boxes of the
    /// 26 x 26 layer came out about half as tall as the people (55-65 px for people 105-150 px tall).
    func testPersonBoxesAreAsTallAsThePeople() throws {
        let runner = try loadRunner()
        for name in ["avenue-train10-f300", "avenue-train16-f150"] {
            let frame = try ImageFile.read(path: coco("\(name).png"), layout: .rgb24)
            let people = try YoloDetector(runner: runner, confidence: 0.5, allowedClasses: [0]).detect(frame)
            XCTAssertGreaterThanOrEqual(people.count, 7, name)
            for box in people { XCTAssertGreaterThanOrEqual(box.y2 - box.y1 + 1, 100, "\(name): \(box)") }
        }
    }

    func testClassFilterKeepsOnlyPeopleOnAvenue() throws {
        let runner = try loadRunner()
        let frame = try ImageFile.read(path: coco("avenue-train10-f300.png"), layout: .rgb24)
        let all = try YoloDetector(runner: runner, confidence: 0.25, resize: .letterbox).detect(frame)
        let people = try YoloDetector(runner: runner, confidence: 0.25, resize: .letterbox, allowedClasses: [0]).detect(frame)
        XCTAssertGreaterThanOrEqual(people.count, 7)
        XCTAssertTrue(people.allSatisfy { $0.classID == 0 && $0.classProbabilities.count == 80 })
        XCTAssertEqual(people, all.filter { $0.classID == 0 }, "no box of this frame has a second class above 0.25")
    }
}
