import Foundation
import Randomness
import TestScratch
import VideoIO
import XCTest
@testable import SSMTL

final class PlantTests: XCTestCase {
    // MARK: planning

    /// A target with one 20 x 30 object per frame drifting right.
    private func target(frames: Int = 300) -> PlantTarget {
        PlantTarget(frameCount: frames, width: 320, height: 240,
                    boxes: (0..<frames).map { f in [PixelRect(x1: 50 + f % 200, y1: 100, x2: 69 + f % 200, y2: 129)] })
    }

    private let donors = [DonorObject(donor: 0, frame: 10, box: PixelRect(x1: 5, y1: 5, x2: 24, y2: 44))]

    func testPlansAreDeterministicAndKeepTheirRules() {
        let settings = PlantSettings()
        for variant in 0..<4 {
            var a = PlantPlanner.rng(seed: 1, video: "09", variant: variant), b = a
            let plan = PlantPlanner.plan(target: target(), donors: donors, variant: variant, rng: &a)
            XCTAssertEqual(plan, PlantPlanner.plan(target: target(), donors: donors, variant: variant, rng: &b))
            XCTAssertGreaterThanOrEqual(plan.count, 5, "300 frames hold at least 5 stretches of 16 with gaps of 12-36")
            XCTAssertEqual(plan.first?.kind, PlantedKind.allCases[variant % 3], "variant k starts with kind k mod 3")
            XCTAssertGreaterThanOrEqual(plan[0].start, settings.firstStart)
            for (s, stretch) in plan.enumerated() {
                XCTAssertEqual(stretch.length, 16)
                XCTAssertLessThan(stretch.lastSourceFrame, 300, "a stretch reads no frame past the end")
                if s > 0 {
                    XCTAssertEqual(stretch.kind, PlantedKind.allCases[(variant + s) % 3], "kinds take turns")
                    let gap = stretch.start - plan[s - 1].frames.upperBound
                    XCTAssertTrue((12...44).contains(gap), "gap \(gap): 12-36, plus at most 8 frames looking for an object")
                }
                for f in stretch.frames {
                    let r = stretch.anomalyRect(at: f, frameWidth: 320, frameHeight: 240)
                    XCTAssertTrue(r.x1 >= 0 && r.y1 >= 0 && r.x2 < 320 && r.y2 < 240, "\(stretch.kind) region \(r) leaves the frame")
                }
            }
        }
        var one = PlantPlanner.rng(seed: 1, video: "09", variant: 0), other = PlantPlanner.rng(seed: 1, video: "15", variant: 0)
        XCTAssertNotEqual(one.next(), other.next(), "videos get their own plans")
    }

    func testRegionsSpanThreeBoxesAroundTheObjectAndSpeedReadsEveryThirdFrame() {
        var rng = PlantPlanner.rng(seed: 3, video: "v", variant: 0)
        let plan = PlantPlanner.plan(target: target(), donors: [], variant: 0, rng: &rng)
        XCTAssertFalse(plan.contains { $0.kind == .paste }, "no donors, no paste")
        let speed = plan.first { $0.kind == .speed }!, reverse = plan.first { $0.kind == .reverse }!
        let box = target().boxes[speed.start][0]
        XCTAssertEqual(speed.region, PixelRect(x1: box.x1 - 20, y1: 70, x2: box.x2 + 20, y2: 159))
        XCTAssertEqual((0..<4).map { speed.sourceFrame(at: speed.start + $0) }, [0, 3, 6, 9].map { speed.start + $0 })
        XCTAssertEqual(reverse.sourceFrame(at: reverse.start), reverse.start + 15)
        XCTAssertEqual(reverse.sourceFrame(at: reverse.start + 15), reverse.start)
    }

    func testThePastedObjectMovesInAStraightLineAndBouncesOffTheEdge() {
        let stretch = PlantedStretch(kind: .paste, start: 10, length: 16, region: PixelRect(x1: 90, y1: 20, x2: 99, y2: 39),
                                     donor: donors[0], pasteWidth: 10, pasteHeight: 20, velocityX: 4, velocityY: -3)
        XCTAssertEqual(stretch.pasteRect(at: 10, frameWidth: 100, frameHeight: 60), stretch.region)
        // x: 90 + 4k against the right edge at 90 (range 90) comes back as 90 - 4k; y: 20 - 3k against the top.
        XCTAssertEqual(stretch.pasteRect(at: 12, frameWidth: 100, frameHeight: 60), PixelRect(x1: 82, y1: 14, x2: 91, y2: 33))
        XCTAssertEqual(stretch.pasteRect(at: 18, frameWidth: 100, frameHeight: 60), PixelRect(x1: 58, y1: 4, x2: 67, y2: 23))
    }

    // MARK: pixels

    private func flat(_ value: UInt8, width: Int = 20, height: Int = 10) -> Frame {
        Frame(width: width, height: height, layout: .rgb24, pixels: [UInt8](repeating: value, count: width * height * 3))
    }

    func testABlendedRegionFadesInsideTheFrameButNotAtItsEdge() {
        var frame = flat(0)
        PlantedRendering.blendRegion(PixelRect(x1: 0, y1: 2, x2: 9, y2: 9), from: flat(200), into: &frame, feather: 4)
        func at(_ x: Int, _ y: Int) -> UInt8 { frame.pixels[3 * (y * 20 + x)] }
        XCTAssertEqual(at(0, 7), 200, "no fade along the frame's left and bottom edges")
        XCTAssertEqual(at(9, 7), 40, "one fifth at the region's inner edge (feather 4)")
        XCTAssertEqual(at(6, 7), 160, "four fifths three pixels in")
        XCTAssertEqual(at(2, 4), 120, "three fifths: two pixels below the top edge")
        XCTAssertEqual(at(10, 7), 0, "outside the region: untouched")
        XCTAssertEqual(at(3, 1), 0)
    }

    func testASpriteIsOpaqueWhereItDiffersFromTheBackground() {
        var frame = flat(50)
        for y in 2..<8 { for x in 4..<10 { for c in 0..<3 { frame.pixels[3 * (y * 20 + x) + c] = 200 } } }
        let sprite = PlantedRendering.cutSprite(from: frame, box: PixelRect(x1: 2, y1: 0, x2: 11, y2: 9),
                                                background: [UInt8](repeating: 50, count: 200))
        XCTAssertEqual(sprite.width, 10); XCTAssertEqual(sprite.height, 10)
        XCTAssertEqual(sprite.alpha[5 * 10 + 5], 1, "inside the object")
        XCTAssertEqual(sprite.alpha[0], 0, "background corner")
        XCTAssertEqual(sprite.alpha[5 * 10 + 1], 1.0 / 3.0, accuracy: 1e-6, "one pixel outside the object: 3 of 9 neighbours")
        XCTAssertEqual(sprite.rgb[3 * (5 * 10 + 5)], 200)

        var target = flat(0)
        PlantedRendering.paste(sprite, into: &target, at: PixelRect(x1: 10, y1: 0, x2: 19, y2: 9))
        XCTAssertEqual(target.pixels[3 * (5 * 20 + 15)], 200, "opaque pixels replace the target's")
        XCTAssertEqual(target.pixels[3 * (0 * 20 + 10)], 0, "transparent ones leave it")
        XCTAssertEqual(target.pixels[3 * (5 * 20 + 11)], 17, "a third of the donor's floor there (50)")
        XCTAssertEqual(target.pixels[3 * (5 * 20 + 9)], 0, "left of the rectangle: untouched")

        var doubled = flat(0, width: 40, height: 20)
        PlantedRendering.paste(sprite, into: &doubled, at: PixelRect(x1: 0, y1: 0, x2: 19, y2: 19))
        XCTAssertEqual(doubled.pixels[3 * (10 * 40 + 10)], 200, "scaled twice: the object's centre stays opaque")
        XCTAssertEqual(doubled.pixels[3 * (0 * 40 + 0)], 0)
    }

    // MARK: files

    func testPlantWritesFramesLabelsTracksAndAPlan() throws {
        let scratch = try makeScratchFolder("plant")
        let videos = try TinyScene.makeVideos(in: scratch + "/in", count: 2, frames: 60)
        let sources = try discoverVideos(videos)
        var options = PlantRun.Options()
        options.variants = 2
        let out = scratch + "/out"
        let summary = try PlantRun.run(targets: sources, donors: nil, out: out, options: options)
        XCTAssertEqual(summary.videos, 4)
        XCTAssertEqual(summary.frames, 240)
        let plan = try String(contentsOfFile: out + "/plan.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(plan.count, summary.stretches.values.reduce(0, +))
        XCTAssertEqual(summary.anomalousFrames, 16 * plan.count)
        XCTAssertGreaterThan(plan.count, 0)

        let labels = try String(contentsOfFile: out + "/gt/video0-p1.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(labels.count, 60)
        let tracks = try String(contentsOfFile: out + "/gt/tracks/video0-p1.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(tracks.count, labels.filter { $0 == "1" }.count, "one track row per planted frame")
        // Frames outside the stretches are the input's, pixel for pixel; planted ones differ.
        let original = try FrameReader(path: videos[0]), planted = try FrameReader(path: out + "/frames/video0-p1")
        var changedOutside = 0, unchangedInside = 0
        for label in labels {
            let a = try original.next()!, b = try planted.next()!
            if label == "0" && a.pixels != b.pixels { changedOutside += 1 }
            if label == "1" && a.pixels == b.pixels { unchangedInside += 1 }
        }
        XCTAssertEqual(changedOutside, 0)
        XCTAssertLessThan(unchangedInside, 4, "a planted frame shows something else (a speed stretch's first frame is its own)")
        XCTAssertNil(try planted.next())

        // The same seed plants the same files; OUT is never overwritten and no partial folder stays behind.
        let again = scratch + "/again"
        _ = try PlantRun.run(targets: sources, donors: nil, out: again, options: options)
        XCTAssertEqual(FileManager.default.contents(atPath: again + "/plan.csv"), FileManager.default.contents(atPath: out + "/plan.csv"))
        XCTAssertEqual(FileManager.default.contents(atPath: again + "/frames/video1-p2/000030.png"),
                       FileManager.default.contents(atPath: out + "/frames/video1-p2/000030.png"))
        XCTAssertThrowsError(try PlantRun.run(targets: sources, donors: nil, out: out, options: options)) { error in
            XCTAssertTrue("\(error)".contains("already exists"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted(), ["again", "in", "out"])
    }

    /// On frames taller than the detector's reference height (240) the detector scales its sizes once: on 480-high
    /// frames the margin around an object is 8 pixels a side (4 · 480/240), not 16 (sizes scaled twice, the bug that made
    /// Avenue's planted boxes 1.5 times too coarse).
    func testBoxesOnTallFramesAreScaledOnce() throws {
        let scratch = try makeScratchFolder("plant-tall")
        let folder = scratch + "/tall"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let width = 320, height = 480
        func objectLeft(_ f: Int) -> Int { 40 + 4 * f }   // a 30 x 60 object moving right 4 pixels a frame
        for f in 0..<48 {
            var pixels = [UInt8](repeating: 100, count: width * height * 3)
            for y in 200..<260 { for x in objectLeft(f)..<(objectLeft(f) + 30) { for c in 0..<3 { pixels[3 * (y * width + x) + c] = 220 } } }
            try ImageFile.write(Frame(width: width, height: height, layout: .rgb24, pixels: pixels), to: folder + String(format: "/%04d.png", f))
        }
        let analysis = try PlantRun.analyse(try discoverVideos([folder])[0], maxFrames: 48)
        var checked = 0
        for f in 30..<48 {
            let boxes = analysis.target.boxes[f]
            XCTAssertEqual(boxes.count, 1, "frame \(f): one box for one object")
            guard let box = boxes.first else { continue }
            XCTAssertEqual(box.y1, 200 - 8, "frame \(f)"); XCTAssertEqual(box.y2, 259 + 8, "frame \(f)")
            XCTAssertEqual(box.x1, objectLeft(f) - 4 - 8, "frame \(f): the strip it left is motion too"); XCTAssertEqual(box.x2, objectLeft(f) + 29 + 8, "frame \(f)")
            checked += 1
        }
        XCTAssertEqual(checked, 18)
    }

    func testAFrameOfAnotherSizeIsAnErrorAndLeavesNothing() throws {
        let scratch = try makeScratchFolder("plant-size")
        let videos = try TinyScene.makeVideos(in: scratch + "/in", count: 1, frames: 40)
        try ImageFile.write(Frame(width: 64, height: 32, layout: .rgb24, pixels: [UInt8](repeating: 9, count: 64 * 32 * 3)),
                            to: videos[0] + "/0030.png")
        XCTAssertThrowsError(try PlantRun.run(targets: try discoverVideos(videos), donors: nil, out: scratch + "/out",
                                              options: PlantRun.Options())) { error in
            XCTAssertTrue("\(error)".contains("video0/0030.png") && "\(error)".contains("64x32"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), ["in"])
    }

    func testAVideoTooShortToPlantIsAnErrorAndLeavesNothing() throws {
        let scratch = try makeScratchFolder("plant-short")
        let videos = try TinyScene.makeVideos(in: scratch + "/in", count: 1, frames: 20)
        XCTAssertThrowsError(try PlantRun.run(targets: try discoverVideos(videos), donors: nil, out: scratch + "/out",
                                              options: PlantRun.Options())) { error in
            XCTAssertTrue("\(error)".contains("video0"), "names the video: \(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), ["in"])
    }
}
