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

    // MARK: vehicle photographs on walkers (the ridden kind)

    /// A folder with one 12 x 8 photograph whose mask covers an 8 x 4 rectangle: opaque, except its left column at
    /// half opacity. The photograph is red with green rising to the right, so a mirror image shows.
    private func objectFolder(in scratch: String) throws -> String {
        let folder = scratch + "/objects"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var photo = [UInt8](repeating: 0, count: 12 * 8 * 3), mask = [UInt8](repeating: 0, count: 12 * 8)
        for y in 2..<6 {
            for x in 2..<10 {
                let p = y * 12 + x
                photo[3 * p] = 200; photo[3 * p + 1] = UInt8(10 * x); photo[3 * p + 2] = 40
                mask[p] = x == 2 ? 128 : 255
            }
        }
        try ImageFile.write(Frame(width: 12, height: 8, layout: .rgb24, pixels: photo), to: folder + "/thing.png")
        try ImageFile.write(Frame(width: 12, height: 8, layout: .gray8, pixels: mask), to: folder + "/thing.mask.png")
        return folder
    }

    func testAPhotographIsCutToItsMaskAndAlsoUsedMirrored() throws {
        let objects = try PlantedObjects.load(folder: try objectFolder(in: try makeScratchFolder("plant-objects")))
        XCTAssertEqual(objects.map(\.name), ["thing", "thing (mirrored)"])
        let cut = objects[0].sprite, mirror = objects[1].sprite
        XCTAssertEqual([cut.width, cut.height, mirror.width, mirror.height], [8, 4, 8, 4], "cut to the mask's bounding box")
        XCTAssertEqual(cut.alpha[0], 128.0 / 255, accuracy: 1e-6)
        XCTAssertEqual(cut.alpha[1], 1)
        XCTAssertEqual(Array(cut.rgb[0..<3]), [200, 20, 40], "the photograph's pixel at (2, 2)")
        XCTAssertEqual(mirror.alpha[7], 128.0 / 255, accuracy: 1e-6, "the half-opaque column is on the right when mirrored")
        XCTAssertEqual(Array(mirror.rgb[0..<3]), [200, 90, 40], "the mirror starts with the photograph's right column")
        let grey = PlantedObjects.grey(cut)
        let luma: UInt8 = 76   // (299 · 200 + 587 · 20 + 114 · 40 + 500) / 1000
        XCTAssertEqual(Array(grey.rgb[0..<3]), [luma, luma, luma])
        XCTAssertEqual(grey.alpha, cut.alpha)
    }

    func testPhotographFoldersWithoutTheirMaskOrOfAnotherSizeAreErrors() throws {
        let scratch = try makeScratchFolder("plant-objects-bad")
        let folder = try objectFolder(in: scratch)
        func error(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        try ImageFile.write(Frame(width: 4, height: 4, layout: .gray8, pixels: [UInt8](repeating: 255, count: 16)), to: folder + "/thing.mask.png")
        XCTAssertTrue(error { _ = try PlantedObjects.load(folder: folder) }.contains("thing.mask.png: is 4x4, its photograph 12x8"))
        try ImageFile.write(Frame(width: 12, height: 8, layout: .gray8, pixels: [UInt8](repeating: 0, count: 96)), to: folder + "/thing.mask.png")
        XCTAssertTrue(error { _ = try PlantedObjects.load(folder: folder) }.contains("transparent everywhere"))
        try FileManager.default.removeItem(atPath: folder + "/thing.mask.png")
        XCTAssertTrue(error { _ = try PlantedObjects.load(folder: folder) }.contains("thing.mask.png: is missing"))
        try FileManager.default.removeItem(atPath: folder + "/thing.png")
        XCTAssertTrue(error { _ = try PlantedObjects.load(folder: folder) }.contains("holds no photograph"))
        XCTAssertTrue(error { _ = try PlantedObjects.load(folder: scratch + "/nowhere") }.contains("nowhere: is not a folder"))
    }

    func testTheFittedLineIsExactOnALineAndTheLeastSquaresOneOtherwise() {
        let line = PlantPlanner.fittedLine((0..<16).map { 7.0 + 1.5 * Double($0) })
        XCTAssertEqual(line.intercept, 7, accuracy: 1e-12)
        XCTAssertEqual(line.slope, 1.5, accuracy: 1e-12)
        // 0, 2, 1, 3: slope = Σ(k − 1.5)(v − 1.5) / Σ(k − 1.5)² = 3.5 / 5 = 0.8, intercept 1.5 − 0.8 · 1.5 = 0.3.
        let noisy = PlantPlanner.fittedLine([0, 2, 1, 3])
        XCTAssertEqual(noisy.slope, 0.8, accuracy: 1e-12)
        XCTAssertEqual(noisy.intercept, 0.3, accuracy: 1e-12)
        XCTAssertEqual(PlantPlanner.fittedLine([4]).slope, 0, "one value: a flat line")
    }

    func testAnObjectIsFollowedByItsMostOverlappingBoxThroughShortGaps() {
        let settings = PlantSettings()
        func box(_ x: Int) -> PixelRect { PixelRect(x1: x, y1: 100, x2: x + 19, y2: 129) }
        // Frames 0-9: the walker moves 2 px a frame; a far box and a small overlapping box are never chosen.
        var boxes: [[PixelRect]] = (0..<10).map { f in [PixelRect(x1: 250, y1: 10, x2: 279, y2: 49), box(50 + 2 * f),
                                                          PixelRect(x1: 50 + 2 * f, y1: 100, x2: 55 + 2 * f, y2: 105)] }
        XCTAssertEqual(PlantPlanner.follow(box(50), from: 0, length: 10, boxes: boxes, settings: settings), (0..<10).map { box(50 + 2 * $0) })
        // Three frames without a box keep the last one; four end the attempt.
        for f in 3...5 { boxes[f] = [] }
        let throughGap = PlantPlanner.follow(box(50), from: 0, length: 10, boxes: boxes, settings: settings)
        XCTAssertEqual(throughGap?[3...5].map(\.x1), [54, 54, 54], "the last box is kept")
        XCTAssertEqual(throughGap?[6], box(62), "found again at IoU (20 − 8) · 30 / ((20 + 8) · 30) = 0.43")
        boxes[6] = []
        XCTAssertNil(PlantPlanner.follow(box(50), from: 0, length: 10, boxes: boxes, settings: settings))
        // A box that overlaps too little (IoU below 0.3) is not the same object.
        let jump = [[box(50)], [box(64)]]
        XCTAssertEqual(PlantPlanner.follow(box(50), from: 0, length: 2, boxes: jump, settings: settings)?[1], box(50),
                       "IoU 6 · 30 / (34 · 30) = 0.18: a gap")
    }

    func testRiddenStretchesTakeTheirTurnAndTheVehicleRidesOnTheWalkersBottomCentre() {
        let objects = [(width: 30, height: 20), (width: 30, height: 20)]
        var seen = 0
        for variant in 0..<4 {
            var rng = PlantPlanner.rng(seed: 1, video: "09", variant: variant)
            let plan = PlantPlanner.plan(target: target(), donors: donors, objects: objects, variant: variant, rng: &rng)
            XCTAssertEqual(plan.first?.kind, PlantedKind.allCases[variant % 4], "variant k starts with kind k mod 4")
            for (s, stretch) in plan.enumerated() {
                XCTAssertEqual(stretch.kind, PlantedKind.allCases[(variant + s) % 4], "four kinds take turns")
                guard stretch.kind == .ridden else { XCTAssertNil(stretch.object); continue }
                seen += 1
                XCTAssertTrue((0..<2).contains(stretch.object!))
                // The target's box is 20 x 30 and moves 1 px a frame: height 0.6 · 30 = 18, width 1.5 · 18 = 27.
                XCTAssertEqual([stretch.pasteWidth, stretch.pasteHeight], [27, 18])
                XCTAssertEqual(stretch.followed, stretch.frames.map { target().boxes[$0][0] })
                XCTAssertEqual(stretch.region, stretch.followed[0])
                for f in stretch.frames {
                    let walker = target().boxes[f][0], vehicle = stretch.vehicleRect(at: f)
                    XCTAssertEqual(vehicle.y2, walker.y2, "the vehicle's bottom on the walker's")
                    XCTAssertEqual(Double(vehicle.x1 + vehicle.x2) / 2, Double(walker.x1 + walker.x2) / 2, accuracy: 1,
                                   "the vehicle's centre on the walker's")
                    XCTAssertEqual(stretch.anomalyRect(at: f, frameWidth: 320, frameHeight: 240),
                                   PixelRect(x1: min(walker.x1, vehicle.x1), y1: walker.y1, x2: max(walker.x2, vehicle.x2), y2: walker.y2),
                                   "the track holds the walker and the vehicle")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(seen, 4)
        // Without photographs the plan is the three-kind plan, as before the ridden kind existed.
        var a = PlantPlanner.rng(seed: 1, video: "09", variant: 3), b = a
        XCTAssertEqual(PlantPlanner.plan(target: target(), donors: donors, objects: [], variant: 3, rng: &a),
                       PlantPlanner.plan(target: target(), donors: donors, variant: 3, rng: &b))
        XCTAssertEqual(PlantPlanner.plan(target: target(), donors: donors, variant: 3, rng: &b).first?.kind, .speed)
    }

    func testAVehiclePartlyOutsideTheFrameIsDrawnWhereItIsInsideAndNothingWhollyOutside() {
        let sprite = Sprite(width: 2, height: 2, rgb: [UInt8](repeating: 250, count: 12), alpha: [1, 1, 1, 1])
        var frame = flat(0)
        PlantedRendering.paste(sprite, into: &frame, at: PixelRect(x1: 17, y1: 8, x2: 22, y2: 12))
        XCTAssertEqual(frame.pixels[3 * (9 * 20 + 19)], 250, "the part inside is drawn")
        XCTAssertEqual(frame.pixels[3 * (7 * 20 + 19)], 0)
        var untouched = flat(0)
        PlantedRendering.paste(sprite, into: &untouched, at: PixelRect(x1: 25, y1: 12, x2: 30, y2: 16))
        XCTAssertEqual(untouched.pixels, flat(0).pixels)
    }

    func testPlantedVehiclesAppearOnWalkersAndInThePlanGreyOnGreyVideo() throws {
        let scratch = try makeScratchFolder("plant-with-objects")
        let colour = try TinyScene.makeVideos(in: scratch + "/in", count: 1, frames: 80)[0]
        // The same video in grey levels.
        let greyFolder = scratch + "/in/grey"
        try FileManager.default.createDirectory(atPath: greyFolder, withIntermediateDirectories: true)
        let reader = try FrameReader(path: colour)
        var f = 0
        while let frame = try reader.next() {
            let grey = frame.grayscale()
            try ImageFile.write(Frame(width: grey.width, height: grey.height, layout: .rgb24, pixels: grey.pixels.flatMap { [$0, $0, $0] }),
                                to: greyFolder + String(format: "/%04d.png", f))
            f += 1
        }
        var options = PlantRun.Options()
        options.variants = 4
        options.objects = try PlantedObjects.load(folder: try objectFolder(in: scratch))
        let out = scratch + "/out"
        let summary = try PlantRun.run(targets: try discoverVideos([colour, greyFolder]), donors: nil, out: out, options: options)
        XCTAssertGreaterThan(summary.stretches[.ridden] ?? 0, 0)
        let rows = try String(contentsOfFile: out + "/plan.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let riddenRows = rows.filter { $0[2] == "ridden" }
        XCTAssertEqual(riddenRows.count, summary.stretches[.ridden])
        XCTAssertTrue(riddenRows.allSatisfy { $0[9] == "thing" || $0[9] == "thing (mirrored)" }, "\(riddenRows)")
        XCTAssertTrue(riddenRows.contains { $0[0].hasPrefix("grey") } && riddenRows.contains { $0[0].hasPrefix("video0") },
                      "both videos hold a ridden stretch: \(riddenRows)")
        // In each ridden stretch the photograph's red shows on colour video, inside the stretch's track box, and only
        // grey pixels on grey video.
        for row in riddenRows {
            let video = String(row[0]), start = Int(row[3])!
            let frame = try ImageFile.read(path: out + "/frames/\(video)/" + String(format: "%06d.png", start + 8))
            let track = try String(contentsOfFile: out + "/gt/tracks/\(video).txt", encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",").map { Int($0)! } }.first { $0[1] == start + 8 }!
            var reddish = 0, reddishOutside = 0, coloured = 0
            for y in 0..<frame.height {
                for x in 0..<frame.width {
                    let p = y * frame.width + x
                    let r = Int(frame.pixels[3 * p]), g = Int(frame.pixels[3 * p + 1]), b = Int(frame.pixels[3 * p + 2])
                    if r > g + 60 {
                        reddish += 1
                        if x < track[2] || x > track[4] || y < track[3] || y > track[5] { reddishOutside += 1 }
                    }
                    if r != g || r != b { coloured += 1 }
                }
            }
            if video.hasPrefix("grey") {
                XCTAssertEqual(coloured, 0, "\(video): grey video stays grey")
            } else {
                XCTAssertGreaterThan(reddish, 10, "\(video): the photograph is pasted")
                XCTAssertEqual(reddishOutside, 0, "\(video): the vehicle lies inside the anomaly track")
            }
        }
    }
}
