import XCTest
@testable import Detection
import VideoIO

private final class FixedBoxes: ObjectDetector {
    let boxes: [DetectionBox]
    init(_ boxes: [DetectionBox]) { self.boxes = boxes }
    func detect(_ frame: Frame) throws -> [DetectionBox] { boxes }
}

final class ClassifierTeacherTests: XCTestCase {
    /// Each box gets the classifier's output on its own crop appended to its class probabilities.
    func testAppendsTheClassifierOutputOnEachCrop() throws {
        let runner = try DarknetRunner(cfgPath: Paths.model("classifier-mini.cfg"), weightsPath: Paths.fixture("classifier-mini.weights"))
        let w = 40, h = 30
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for i in pixels.indices { pixels[i] = UInt8((i * 37 + i / 7) % 251) }
        let frame = Frame(index: 3, width: w, height: h, layout: .rgb24, pixels: pixels)
        let inside = DetectionBox(x1: 5, y1: 4, x2: 20, y2: 25, classProbabilities: [0.25])
        let clipped = DetectionBox(x1: 30, y1: -5, x2: 60, y2: 9)   // partly outside: cut to x 30...39, y 0...9
        let teacher = ClassifierTeacher(base: FixedBoxes([inside, clipped]), runner: runner)
        XCTAssertEqual(teacher.width, 10)
        XCTAssertEqual(teacher.batchSize, 32)   // largest activation 8 x 32 x 32 floats: far under the bound
        let boxes = try teacher.detect(frame)
        XCTAssertEqual(boxes.count, 2)
        XCTAssertEqual(boxes[0].classProbabilities.count, 11)
        XCTAssertEqual(boxes[0].classProbabilities[0], 0.25)
        XCTAssertEqual(boxes[1].classProbabilities.count, 10)
        for b in boxes { XCTAssertEqual(b.classProbabilities.suffix(10).reduce(0, +), 1, accuracy: 1e-4, "softmax output") }

        // The crop is the box's pixels: compare with one cut by hand.
        let crop = ClassifierTeacher.crop(clipped, of: frame)
        XCTAssertEqual(crop.width, 10); XCTAssertEqual(crop.height, 10)
        XCTAssertEqual(Array(crop.pixels[0..<3]), Array(pixels[(0 * w + 30) * 3..<(0 * w + 30) * 3 + 3]))
        XCTAssertEqual(Array(crop.pixels.suffix(3)), Array(pixels[(9 * w + 39) * 3..<(9 * w + 39) * 3 + 3]))
        let direct = try runner.forward(Preprocess.networkInput(crop, channels: 3, netW: 32, netH: 32, mode: .stretch))
        // classifier-mini has no batched layer (its smallest plane is 8 x 8), so the batch of two gives each crop
        // exactly what the network gives it alone.
        XCTAssertEqual(Array(boxes[1].classProbabilities), direct[runner.network.layers.count - 1]!)
        let alone = try runner.forward(Preprocess.networkInput(ClassifierTeacher.crop(inside, of: frame), channels: 3, netW: 32, netH: 32, mode: .stretch))
        XCTAssertEqual(Array(boxes[0].classProbabilities.suffix(10)), alone[runner.network.layers.count - 1]!)
        // Different crops give different outputs (the classifier really sees the object).
        XCTAssertNotEqual(Array(boxes[0].classProbabilities.suffix(10)), Array(boxes[1].classProbabilities))
    }
}
