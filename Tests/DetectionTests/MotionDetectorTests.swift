import XCTest
import VideoIO
@testable import Detection

/// The static textured background of `frame`.
private func texture(width: Int = 120, height: Int = 80) -> [UInt8] {
    (0..<(width * height)).map { UInt8(60 + (($0 % width) * 7 + ($0 / width) * 13) % 40) }
}

/// A static textured background with a bright 16x16 square moving 3 px per frame.
private func frame(_ t: Int, width: Int = 120, height: Int = 80) -> Frame {
    var pixels = texture(width: width, height: height)
    let sx = 10 + 3 * t, sy = 30
    for y in sy..<min(height, sy + 16) { for x in sx..<min(width, sx + 16) { pixels[y * width + x] = 230 } }
    return Frame(index: t, width: width, height: height, layout: .gray8, pixels: pixels)
}

final class MotionDetectorTests: XCTestCase {
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

/// Merged components cut back into objects (`ComponentSplit`), through the detector with a primed background.
final class ComponentSplitTests: XCTestCase {
    let w = 80, h = 50
    var background: [UInt8] { (0..<(w * h)).map { UInt8(50 + ($0 * 7) % 20) } }

    func fill(_ pixels: inout [UInt8], x: ClosedRange<Int>, y: ClosedRange<Int>) {
        for yy in y { for xx in x { pixels[yy * w + xx] = 220 } }
    }

    func boxes(_ pixels: [UInt8], splitArea: Int, valley: Float = 0.3) throws -> [DetectionBox] {
        var p = MotionParameters()
        p.splitMinPieceArea = splitArea
        p.splitValley = valley
        p.margin = 0
        let detector = MotionDetector(parameters: p)
        detector.prime(background: background, width: w, height: h)
        return try detector.detect(Frame(width: w, height: h, layout: .gray8, pixels: pixels)).sorted { $0.x1 < $1.x1 }
    }

    /// Two 10x24 walkers 6 px apart: the closing (radius 4) joins them; the split separates them again.
    func testWalkersSideBySideAreCutApart() throws {
        var frame = background
        fill(&frame, x: 10...19, y: 10...33)
        fill(&frame, x: 26...35, y: 12...35)
        XCTAssertEqual(try boxes(frame, splitArea: 0), [DetectionBox(x1: 10, y1: 10, x2: 35, y2: 35)])
        let split = try boxes(frame, splitArea: 120)
        XCTAssertEqual(split, [DetectionBox(x1: 10, y1: 10, x2: 19, y2: 33), DetectionBox(x1: 26, y1: 12, x2: 35, y2: 35)])
    }

    /// A shadow line joining their feet (3 rows, far fewer pixels per column than a body) is a valley, not a bridge,
    /// unless the valley fraction is 0.
    func testThinBridgeIsAValley() throws {
        var frame = background
        fill(&frame, x: 10...19, y: 10...33)
        fill(&frame, x: 26...35, y: 10...33)
        fill(&frame, x: 18...27, y: 31...33)
        XCTAssertEqual(try boxes(frame, splitArea: 120, valley: 0).count, 1)
        XCTAssertEqual(try boxes(frame, splitArea: 120, valley: 0.3).count, 2)
    }

    /// A head (6x6, under the piece area) above a body with a 3-row gap stays one object; so do two pieces of which
    /// one is too small.
    func testSmallFragmentsStayJoined() throws {
        var frame = background
        fill(&frame, x: 42...47, y: 5...10)
        fill(&frame, x: 40...49, y: 14...37)
        XCTAssertEqual(try boxes(frame, splitArea: 120), [DetectionBox(x1: 40, y1: 5, x2: 49, y2: 37)])
    }

    /// An object entering at the top-left corner keeps its edge rows and columns: the closing's erosion treats
    /// outside the frame as set (with outside = 0 it would eat 4 rows and columns off the box).
    func testClosingKeepsObjectsAtTheFrameEdge() throws {
        var frame = background
        fill(&frame, x: 0...11, y: 0...15)
        XCTAssertEqual(try boxes(frame, splitArea: 120), [DetectionBox(x1: 0, y1: 0, x2: 11, y2: 15)])
        var mask = [UInt8](repeating: 1, count: 6 * 4), scratch: [UInt8] = []
        BinaryMorphology.apply(&mask, width: 6, height: 4, radius: 2, dilate: false, outsideSet: true, scratch: &scratch)
        XCTAssertEqual(mask, [UInt8](repeating: 1, count: 24))
        BinaryMorphology.apply(&mask, width: 6, height: 4, radius: 2, dilate: false, scratch: &scratch)
        XCTAssertEqual(mask, [UInt8](repeating: 0, count: 24))
    }

    /// Objects one above the other (different depths) are cut along rows, and the cut recurses: three objects.
    func testRecursiveCutAlongRowsAndColumns() throws {
        var frame = background
        fill(&frame, x: 10...21, y: 5...18)    // upper left
        fill(&frame, x: 10...21, y: 25...41)   // lower left, 6 rows below
        fill(&frame, x: 28...39, y: 25...41)   // lower right, 6 columns away
        let split = try boxes(frame, splitArea: 120).sorted { ($0.x1, $0.y1) < ($1.x1, $1.y1) }
        XCTAssertEqual(split, [DetectionBox(x1: 10, y1: 5, x2: 21, y2: 18), DetectionBox(x1: 10, y1: 25, x2: 21, y2: 41),
                               DetectionBox(x1: 28, y1: 25, x2: 39, y2: 41)])
    }
}

/// Colour differences (`MotionParameters.colourScale`): an object of the background's luminance but another hue.
final class MotionColourTests: XCTestCase {
    let w = 120, h = 80

    /// A textured grey background (R = G = B, 118-122) and, from frame 0, a 16 x 16 square moving 3 px a frame whose
    /// colour has the background's grey level: grey differences barely see it.
    /// `textured: false`: a flat background of 120, so that every difference is known exactly.
    func colourFrame(_ t: Int, square: [UInt8], textured: Bool = true) -> Frame {
        var pixels = [UInt8](repeating: 120, count: w * h * 3)
        if textured {
            for y in 0..<h { for x in 0..<w { for c in 0..<3 { pixels[(y * w + x) * 3 + c] = UInt8(118 + (x * 7 + y * 13) % 5) } } }
        }
        for y in 30..<46 { for x in (10 + 3 * t)..<(26 + 3 * t) { for c in 0..<3 { pixels[(y * w + x) * 3 + c] = square[c] } } }
        return Frame(index: t, width: w, height: h, layout: .rgb24, pixels: pixels)
    }

    /// `primed`: the detector starts from the flat background (as the pre-pass gives it), so that a faint square is
    /// not absorbed by the warm-up's fast background steps.
    func lastBoxes(scale: Float, square: [UInt8], textured: Bool = true, primed: Bool = false) throws -> [DetectionBox] {
        var p = MotionParameters()
        p.colourScale = scale
        let detector = MotionDetector(parameters: p)
        if primed { detector.prime(background: [UInt8](repeating: 120, count: w * h * (scale > 0 ? 3 : 1)), width: w, height: h) }
        var boxes: [DetectionBox] = []
        for t in 0..<20 { boxes = try detector.detect(colourFrame(t, square: square, textured: textured)) }
        return boxes
    }

    func testColourFindsAnObjectOfTheBackgroundsLuminance() throws {
        let red: [UInt8] = [200, 80, 112]   // channel differences up to 80 grey levels
        XCTAssertEqual(Frame(width: 1, height: 1, layout: .rgb24, pixels: red).grayscale().pixels, [120],
                       "the square's grey level is the background's")
        XCTAssertEqual(try lastBoxes(scale: 0, square: red), [], "grey levels do not see it")
        let found = try lastBoxes(scale: 2, square: red)
        XCTAssertEqual(found.count, 1, "\(found)")
        let truth = DetectionBox(x1: 10 + 57, y1: 30, x2: 10 + 57 + 15, y2: 45)
        XCTAssertTrue(found[0].x1 <= truth.x1 && found[0].x2 >= truth.x2 && found[0].y1 <= truth.y1 && found[0].y2 >= truth.y2,
                      "the box covers the whole square: \(found[0])")
        XCTAssertGreaterThan(found[0].iou(truth), 0.25)
        // A square of another luminance is found either way (the colour path keeps the grey one's objects).
        let bright: [UInt8] = [230, 230, 230]
        XCTAssertEqual(try lastBoxes(scale: 0, square: bright).count, 1)
        XCTAssertEqual(try lastBoxes(scale: 0, square: bright), try lastBoxes(scale: 2, square: bright))
    }

    func testColourChangesBelowTheScaledThresholdAreIgnored() throws {
        // On a flat background of 120, channel differences of +23, -10 and -9 at the same grey level: above the
        // background and frame-difference thresholds (20, 12) but below twice them (40, 24), so the scale decides.
        let faint: [UInt8] = [143, 110, 111]
        XCTAssertEqual(Frame(width: 1, height: 1, layout: .rgb24, pixels: faint).grayscale().pixels, [120])
        XCTAssertEqual(try lastBoxes(scale: 0, square: faint, textured: false, primed: true), [], "grey levels do not see it")
        XCTAssertEqual(try lastBoxes(scale: 2, square: faint, textured: false, primed: true), [], "23 < 2 x 20: not foreground")
        let found = try lastBoxes(scale: 1, square: faint, textured: false, primed: true)
        XCTAssertEqual(found.count, 1, "23 > 1 x 20: foreground")
        let square = DetectionBox(x1: 67, y1: 30, x2: 82, y2: 45)
        XCTAssertTrue(found.allSatisfy { $0.x1 <= square.x1 && $0.x2 >= square.x2 && $0.y1 <= square.y1 && $0.y2 >= square.y2 },
                      "the box covers the square (with the margin and the last step's trail): \(found)")
        XCTAssertGreaterThan(found.first?.iou(square) ?? 0, 0.3, "\(found)")
    }

    func testGreyVideoGivesTheSameBoxesInColour() throws {
        // Three equal channels: the luminance and the largest channel difference are the grey one, frame by frame,
        // primed or not, whatever the scale.
        let background = texture(width: w, height: h)
        for primed in [false, true] {
            for scale: Float in [1, 2, 3] {
                var p = MotionParameters()
                p.colourScale = 0
                let greyDetector = MotionDetector(parameters: p)
                p.colourScale = scale
                let colourDetector = MotionDetector(parameters: p)
                if primed {
                    greyDetector.prime(background: background, width: w, height: h)
                    colourDetector.prime(background: background.flatMap { [$0, $0, $0] }, width: w, height: h)
                }
                // Primed with a grey background (the pre-pass's for a grey video), the colour detector compares
                // grey levels on RGB frames.
                let greyPrimed = MotionDetector(parameters: p)
                if primed { greyPrimed.prime(background: background, width: w, height: h) }
                for t in 0..<20 {
                    let g = frame(t, width: w, height: h)
                    let rgb = Frame(index: t, width: w, height: h, layout: .rgb24, pixels: g.pixels.flatMap { [$0, $0, $0] })
                    let expected = try greyDetector.detect(g)
                    XCTAssertEqual(try colourDetector.detect(rgb), expected, "frame \(t), primed \(primed), scale \(scale)")
                    XCTAssertEqual(try greyPrimed.detect(rgb), expected, "frame \(t), primed \(primed), scale \(scale)")
                    if t == 19 { XCTAssertEqual(expected.count, 1, "the square is found") }
                }
            }
        }
    }

    func testThePrepassGivesAGreyVideoAGreyBackground() throws {
        let folder = NSTemporaryDirectory() + "ssmtl-grey-prepass-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let grey = texture(width: w, height: h)
        for t in 0..<5 {
            let rgb = frame(t, width: w, height: h).pixels.flatMap { [$0, $0, $0] }
            try ImageFile.write(Frame(index: t, width: w, height: h, layout: .rgb24, pixels: rgb), to: folder + "/\(t).png")
        }
        let greyEstimate = try XCTUnwrap(BackgroundEstimate.median(of: folder, layout: .rgb24))
        XCTAssertEqual(greyEstimate.pixels.count, w * h, "three equal channels in every frame: a grey background")
        XCTAssertEqual(greyEstimate.pixels, try XCTUnwrap(BackgroundEstimate.median(of: folder, layout: .gray8)).pixels)
        XCTAssertEqual(greyEstimate.pixels[0], grey[0])
        // One coloured pixel in one sampled frame: the video is a colour video.
        var tinted = frame(2, width: w, height: h).pixels.flatMap { [$0, $0, $0] }
        tinted[3 * (5 * w + 7)] &+= 1
        try ImageFile.write(Frame(index: 2, width: w, height: h, layout: .rgb24, pixels: tinted), to: folder + "/2.png")
        let colourEstimate = try XCTUnwrap(BackgroundEstimate.median(of: folder, layout: .rgb24))
        XCTAssertEqual(colourEstimate.pixels.count, 3 * w * h)
    }

    func testColourScaleIsRecordedAndOldModelsKeepGreyLevels() throws {
        var s = DetectorSettings()
        XCTAssertEqual(s.motion.colourScale, 1.5, "the default")
        XCTAssertEqual(s.motion.frameLayout, .rgb24)
        XCTAssertEqual(s.record["colour_scale"], "1.5")
        XCTAssertEqual(try DetectorSettings(record: s.record, source: "m").motion.colourScale, 1.5)
        var old = s.record
        old["colour_scale"] = nil
        XCTAssertEqual(try DetectorSettings(record: old, source: "m").motion.colourScale, 0, "models without the key compared grey levels")
        s.motion.colourScale = 0
        XCTAssertNil(s.record["colour_scale"])
        XCTAssertEqual(s.motion.frameLayout, .gray8)
        for (bad, message) in [("red", "colour_scale=red is not a number"), ("-1", "colour_scale must lie in 0...65536")] {
            old["colour_scale"] = bad
            XCTAssertThrowsError(try DetectorSettings(record: old, source: "m.safetensors")) { error in
                XCTAssertTrue("\(error)".contains("m.safetensors") && "\(error)".contains(message), "\(error)")
            }
        }
    }

    func testColourMedianIsTakenPerChannel() {
        // Two pixels of three channels, three images: each of the six values' own median.
        let images: [[UInt8]] = [[1, 50, 9, 0, 0, 255], [3, 40, 7, 1, 2, 0], [2, 60, 8, 2, 1, 128]]
        XCTAssertEqual(BackgroundEstimate.median(images, count: 6), [2, 50, 8, 1, 1, 128])
    }
}
