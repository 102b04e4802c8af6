import XCTest
import VideoIO
@testable import Detection

/// `--classes` (the class filter and its parser), `yolo+motion` (the union rule), and how the settings are recorded.
final class DetectorCombinationTests: XCTestCase {
    /// Returns fixed boxes whatever the frame.
    final class FixedBoxes: ObjectDetector {
        let boxes: [DetectionBox]
        init(_ boxes: [DetectionBox]) { self.boxes = boxes }
        func detect(_ frame: Frame) throws -> [DetectionBox] { boxes }
    }

    func testClassFilterLabelsEachBoxWithItsBestAllowedClass() {
        // Class 0 (person) 0.6, class 2 (car) 0.9: unfiltered the box is a car; person-only it is a person; bus-only
        // it has no class above the threshold and is dropped.
        let c = YoloCandidate(x: 0.5, y: 0.5, w: 0.2, h: 0.2, objectness: 1, probabilities: [0.6, 0, 0.9, 0, 0, 0.3],
                              rawProbabilities: [0.6, 0.1, 0.9, 0, 0, 0.3])
        let g = LetterboxGeometry(imageW: 100, imageH: 100, netW: 100, netH: 100, mode: .stretch)
        func classes(_ allowed: Set<Int>?) -> [Int] {
            YoloDecoder.toFrameBoxes([c], geometry: g, imageW: 100, imageH: 100, threshold: 0.5, allowedClasses: allowed).map(\.classID)
        }
        XCTAssertEqual(classes(nil), [2])
        XCTAssertEqual(classes([0]), [0])
        XCTAssertEqual(classes([0, 2]), [2])
        XCTAssertEqual(classes([5]), [])          // 0.3 is below the threshold
        let kept = YoloDecoder.toFrameBoxes([c], geometry: g, imageW: 100, imageH: 100, threshold: 0.5, allowedClasses: [0])
        XCTAssertEqual(kept[0].confidence, 0.6)
        XCTAssertEqual(kept[0].classProbabilities, c.rawProbabilities, "the distillation target stays complete")
    }

    func testClassListParsing() throws {
        XCTAssertEqual(try CocoClasses.parse("person").get(), [0])
        XCTAssertEqual(try CocoClasses.parse("Person, vehicles").get(), [0, 1, 2, 3, 5, 7])
        XCTAssertEqual(try CocoClasses.parse("7,2,car").get(), [2, 7])
        XCTAssertEqual(try CocoClasses.parse("traffic light").get(), [9])
        XCTAssertEqual(CocoClasses.names.count, 80)
        for bad in ["", "person,", "pedestrian", "-1"] {
            guard case let .failure(error) = CocoClasses.parse(bad) else { XCTFail("'\(bad)' parsed"); continue }
            XCTAssertTrue(error.description.contains("is not a class index"), error.description)
        }
    }

    func testUnionKeepsMotionBoxesNoYoloBoxCovers() throws {
        let person = DetectionBox(x1: 10, y1: 10, x2: 29, y2: 59, confidence: 0.8, classID: 0, classProbabilities: [0.8, 0.1])
        let motion = [
            DetectionBox(x1: 12, y1: 12, x2: 27, y2: 30),   // a fragment of the person: inside it, dropped
            DetectionBox(x1: 20, y1: 50, x2: 39, y2: 69),   // a quarter inside (10 x 10 of 20 x 20): kept
            DetectionBox(x1: 20, y1: 20, x2: 39, y2: 39),   // exactly half inside (10 x 20 of 20 x 20): covered
            DetectionBox(x1: 70, y1: 70, x2: 89, y2: 89),   // elsewhere: kept
        ]
        let union = YoloWithMotion(yolo: FixedBoxes([person]), motion: FixedBoxes(motion), classes: 2)
        let boxes = try union.detect(Frame(width: 100, height: 100, layout: .gray8, pixels: [UInt8](repeating: 0, count: 10_000)))
        XCTAssertEqual(boxes.count, 3)
        XCTAssertEqual(boxes[0], person)
        XCTAssertEqual(boxes[1...].map { [$0.x1, $0.y1, $0.x2, $0.y2] }, [[20, 50, 39, 69], [70, 70, 89, 89]])
        for proposal in boxes[1...] {
            XCTAssertEqual(proposal.classID, -1)
            XCTAssertEqual(proposal.classProbabilities, [0, 0], "a motion box's distillation target is 'no class'")
        }
        XCTAssertEqual(YoloWithMotion.share(of: motion[2], inside: person), 0.5, accuracy: 1e-12)
    }

    func testSettingsRecordRoundTrip() throws {
        var s = DetectorSettings()
        s.kind = .yoloMotion
        s.cfg = "a.cfg"; s.weights = "a.weights"; s.classes = [0, 2]; s.motion.minArea = 55
        XCTAssertNil(s.problem)
        let r = s.record
        XCTAssertEqual(r["kind"], "yolo+motion"); XCTAssertEqual(r["classes"], "0,2"); XCTAssertEqual(r["min_area"], "55")
        let back = try DetectorSettings(record: r, source: "m")
        XCTAssertEqual(back.kind, .yoloMotion); XCTAssertEqual(back.classes, [0, 2]); XCTAssertEqual(back.motion.minArea, 55)
        XCTAssertNil(DetectorSettings().record["classes"], "motion records no classes")
        var bad = r; bad["classes"] = "0,x"
        XCTAssertThrowsError(try DetectorSettings(record: bad, source: "m.safetensors")) { error in
            XCTAssertEqual("\(error)", "m.safetensors: detector setting classes=0,x is not a list of class indices")
        }
        var missing = DetectorSettings(); missing.kind = .yoloMotion
        XCTAssertEqual(missing.problem, "the yolo+motion detector needs a .cfg and a .weights file")
    }
}

/// Motion sizes scaled to the frame height (`MotionParameters.referenceHeight`).
final class MotionScalingTests: XCTestCase {
    func testSizesScaleWithTheFrameHeight() throws {
        var p = MotionParameters()
        XCTAssertEqual(p.referenceHeight, 240, "the default: Ped2's frame height")
        p.referenceHeight = 0
        XCTAssertEqual(p.scaled(toHeight: 480), p, "no reference height: the sizes as given")
        p.referenceHeight = 240
        XCTAssertEqual(p.scaled(toHeight: 240), p, "the reference height changes nothing")
        XCTAssertEqual(p.scaled(toHeight: 128), p, "smaller frames keep the sizes")
        let avenue = p.scaled(toHeight: 360)   // x1.5 in length, x2.25 in area
        XCTAssertEqual([avenue.closeRadius, avenue.minSide, avenue.margin], [6, 9, 6])
        XCTAssertEqual([avenue.minArea, avenue.splitMinPieceArea], [90, 270])
        XCTAssertEqual([avenue.openRadius, avenue.backgroundThreshold, avenue.frameDifferenceThreshold, avenue.minMotionPixels],
                       [p.openRadius, p.backgroundThreshold, p.frameDifferenceThreshold, p.minMotionPixels], "noise and thresholds do not scale")
        let shanghaiTech = p.scaled(toHeight: 480)
        XCTAssertEqual([shanghaiTech.closeRadius, shanghaiTech.minSide, shanghaiTech.margin, shanghaiTech.minArea, shanghaiTech.splitMinPieceArea],
                       [8, 12, 8, 160, 480])
    }

    func testReferenceHeightIsRecordedAndOldModelsKeepFixedSizes() throws {
        var s = DetectorSettings()
        XCTAssertEqual(s.record["reference_height"], "240")
        s.motion.referenceHeight = 0
        XCTAssertNil(s.record["reference_height"], "fixed sizes record nothing, as models did before")
        s.motion.referenceHeight = 240
        XCTAssertEqual(try DetectorSettings(record: s.record, source: "m").motion.referenceHeight, 240)
        var old = s.record
        old["reference_height"] = nil
        XCTAssertEqual(try DetectorSettings(record: old, source: "m").motion.referenceHeight, 0)
        // A damaged record is an error naming the model and the key, never a silent default.
        for (bad, message) in [("tall", "reference_height=tall is not a number"), ("-240", "reference_height must lie in 0...65536")] {
            old["reference_height"] = bad
            XCTAssertThrowsError(try DetectorSettings(record: old, source: "m.safetensors")) { error in
                XCTAssertTrue("\(error)".contains("m.safetensors") && "\(error)".contains(message), "\(error)")
            }
        }
    }

    func testEveryRecordedMotionSettingIsCheckedByItsKey() throws {
        let record = DetectorSettings().record
        XCTAssertEqual(Set(MotionParameters.limits.map(\.key)).subtracting(record.keys), [], "every limit names a recorded key")
        for limit in MotionParameters.limits {
            var damaged = record
            damaged[limit.key] = "-1"
            XCTAssertThrowsError(try DetectorSettings(record: damaged, source: "m.safetensors"), limit.key) { error in
                XCTAssertTrue("\(error)".contains("m.safetensors: recorded detector settings are unusable: \(limit.key) must lie in \(limit.rangeText)"), "\(error)")
            }
            damaged[limit.key] = String(Int(limit.highest))   // every range ends at a whole number
            if limit.highestExcluded {
                XCTAssertThrowsError(try DetectorSettings(record: damaged, source: "m"), limit.key)
            } else {
                XCTAssertNoThrow(try DetectorSettings(record: damaged, source: "m"), limit.key)
            }
        }
    }

    func testAScaledDetectorFindsTheSameObjectAtTwiceTheSize() throws {
        // A 20 x 40 block moving right on a 120 x 160 frame, and the same scene at twice the size: the scaled
        // detector's box at the large size is twice the small one's (within the rounding of the margin).
        func frames(scale: Int) -> [Frame] {
            (0..<6).map { t in
                let w = 120 * scale, h = 160 * scale
                var pixels = [UInt8](repeating: 30, count: w * h)
                for y in (50 * scale)..<(90 * scale) { for x in ((10 + 4 * t) * scale)..<((30 + 4 * t) * scale) { pixels[y * w + x] = 200 } }
                return Frame(index: t, width: w, height: h, layout: .gray8, pixels: pixels)
            }
        }
        var p = MotionParameters()
        p.referenceHeight = 160
        func lastBoxes(_ scale: Int) throws -> [DetectionBox] {
            let detector = MotionDetector(parameters: p)
            var boxes: [DetectionBox] = []
            for frame in frames(scale: scale) { boxes = try detector.detect(frame) }
            return boxes
        }
        let small = try lastBoxes(1), large = try lastBoxes(2)
        XCTAssertEqual(small.count, 1); XCTAssertEqual(large.count, 1)
        for (a, b) in zip([small[0].x1, small[0].y1, small[0].x2, small[0].y2], [large[0].x1, large[0].y1, large[0].x2, large[0].y2]) {
            XCTAssertLessThanOrEqual(abs(2 * a - b), 2, "\(small[0]) at twice the size vs \(large[0])")
        }
    }
}
