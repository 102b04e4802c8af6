import Foundation
import XCTest
import TestScratch
@testable import SSMTL
import Detection
import VideoIO

/// A detector that finds one fixed box on every frame whose index is not a multiple of 4, two on multiples of 5.
final class FakeDetector: ObjectDetector {
    func detect(_ frame: Frame) throws -> [DetectionBox] {
        var objects: [DetectionBox] = []
        if frame.index % 4 != 0 { objects.append(DetectionBox(x1: 2, y1: 2, x2: 9, y2: 9)) }
        if frame.index % 5 == 0 { objects.append(DetectionBox(x1: -4, y1: 0, x2: 5, y2: 30)) }
        return objects
    }
}

/// A "network" that reads its inputs back: aot = the middle crop's value in 0-255 units, mi = the first forward
/// crop's, mb = the last forward crop's, kd = the first middle-box input's. Lets the test check that each
/// object got the crops of its own frames, however the objects were batched.
final class EchoScorer: ObjectScorer {
    let cropSide = 8
    private(set) var batches: [Int] = []

    func scores(for batch: ObjectBatch) throws -> [HeadScores] {
        batches.append(batch.forward.count)
        let plane = cropSide * cropSide
        return (0..<batch.forward.count).map { n in
            let f = batch.forward.values, m = batch.middleInput.values, t = batch.middleTarget.values
            let fo = n * batch.forward.objectStride
            return HeadScores(arrowOfTime: t[n * batch.middleTarget.objectStride] * 255,
                              motionIrregularity: f[fo] * 255,
                              middleBox: f[fo + 6 * plane] * 255,
                              distillation: m[n * batch.middleInput.objectStride] * 255)
        }
    }
}

final class VideoScorerTests: XCTestCase {
    /// A frame folder of 23 grey frames whose pixels all equal 10 * index.
    private func makeVideo() throws -> String {
        let dir = try makeScratchFolder("ssmtl-vs")
        for i in 0..<23 {
            try ImageFile.write(Frame(width: 16, height: 32, layout: .rgb24, pixels: [UInt8](repeating: UInt8(10 * i), count: 16 * 32 * 3)),
                                to: dir + String(format: "/%03d.png", i))
        }
        return dir
    }

    /// Every object run (`reuseScores` off), unless `reuse`.
    private func run(batchSize: Int, video: String, maxFramesPerChunk: Int = 1024, reuse: Bool = false,
                     detector: ObjectDetector = FakeDetector()) throws -> (VideoScorer.Result, EchoScorer) {
        var options = VideoScorer.Options()
        options.batchSize = batchSize
        options.maxFramesPerChunk = maxFramesPerChunk
        options.frameScoring = .init(block: 4, filter3D: 0)
        options.reuseScores = reuse
        let echo = EchoScorer()
        let scorer = VideoScorer(detector: detector, scorer: echo,
                                 statistics: HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1]), options: options)
        return (try scorer.score(FrameReader(path: video)), echo)
    }

    /// Each frame's timestamp (frame folders: index / 25) and the box of its highest-scoring object (nil without one),
    /// in frame order, for the events; and the frame limit stops the video early.
    func testTimestampsTopBoxesAndFrameLimit() throws {
        let video = try makeVideo()
        let (result, _) = try run(batchSize: 3, video: video, maxFramesPerChunk: 2)
        XCTAssertEqual(result.timestamps.count, 23)
        for (f, t) in result.timestamps.enumerated() { XCTAssertEqual(t, Double(f) / 25, accuracy: 1e-9) }
        for f in 0..<23 {
            let best = result.objects.filter { $0.frame == f }.max { $0.score < $1.score }
            XCTAssertEqual(result.topBoxes[f], best?.box, "frame \(f)")
        }
        XCTAssertNil(result.topBoxes[4], "frame 4 has no object")
        XCTAssertNotNil(result.topBoxes[0])

        var options = VideoScorer.Options()
        options.frameScoring = .init(block: 4, filter3D: 0)
        options.frameLimit = 9
        let limited = try VideoScorer(detector: FakeDetector(), scorer: EchoScorer(),
                                      statistics: HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1]), options: options)
            .score(FrameReader(path: video))
        XCTAssertEqual(limited.rows.map(\.frame), Array(0..<9))
        XCTAssertEqual(limited.timestamps.count, 9)
        XCTAssertEqual(limited.objects.map(\.frame).max(), 7, "frame 8 has no object")
    }

    func testEveryFrameGetsARowAndEveryObjectItsOwnCrops() throws {
        let video = try makeVideo()
        let (result, echo) = try run(batchSize: 4, video: video)
        XCTAssertEqual(result.rows.map(\.frame), Array(0..<23))
        let expectedObjects = (0..<23).map { ($0 % 4 != 0 ? 1 : 0) + ($0 % 5 == 0 ? 1 : 0) }.reduce(0, +)
        XCTAssertEqual(result.objects.count, expectedObjects)
        XCTAssertEqual(echo.batches.reduce(0, +), expectedObjects)
        XCTAssertTrue(echo.batches.dropLast().allSatisfy { $0 == 4 })
        for object in result.objects {
            // Near the ends the window moves inside the video (frames 0...6 for frames 0...3, 16...22 at the end).
            let centre = min(max(object.frame, 3), 19)
            XCTAssertEqual(object.heads[0], Float(10 * centre), accuracy: 1e-3, "middle crop = frame i, moved inside the video")
            XCTAssertEqual(object.heads[1], Float(10 * (centre - 3)), accuracy: 1e-3, "first crop = frame i-3")
            XCTAssertEqual(object.heads[2], Float(10 * (centre + 3)), accuracy: 1e-3, "last crop = frame i+3")
            XCTAssertEqual(object.heads[3], Float(10 * (centre - 3)), accuracy: 1e-3)
            XCTAssertGreaterThanOrEqual(object.box.x1, 0, "boxes are clipped to the frame")
        }
        // Frame 0 has only the second box: its score is the mean of its four heads.
        let frame0 = result.objects.filter { $0.frame == 0 }
        XCTAssertEqual(frame0.count, 1)
        XCTAssertEqual(result.rows[0].score, Double(frame0[0].score), accuracy: 1e-4)
        XCTAssertEqual(result.rows[4].score, 0, "frame 4: no object")
    }

    /// With `reuseScores`, an object overlapping (IoU >= 0.5) an object the network ran in the previous frame takes
    /// that one's scores with its own box; the next frame runs it again; an object matching nothing is run.
    func testAnObjectReusesTheScoresOfItsRunInThePreviousFrame() throws {
        /// A box moving right by one pixel a frame (consecutive boxes overlap at IoU 0.78), and on even frames a
        /// second box far from it (never in consecutive frames, so always run).
        final class MovingDetector: ObjectDetector {
            func detect(_ frame: Frame) throws -> [DetectionBox] {
                var objects = [DetectionBox(x1: frame.index % 8, y1: 2, x2: frame.index % 8 + 7, y2: 9)]
                if frame.index % 2 == 0 { objects.append(DetectionBox(x1: 0, y1: 20, x2: 7, y2: 29)) }
                return objects
            }
        }
        let video = try makeVideo()
        let (every, everyEcho) = try run(batchSize: 5, video: video, detector: MovingDetector())
        let (reused, echo) = try run(batchSize: 5, video: video, reuse: true, detector: MovingDetector())
        XCTAssertEqual(everyEcho.batches.reduce(0, +), 23 + 12)
        XCTAssertEqual(reused.objects.count, every.objects.count, "every object is in the output")
        XCTAssertEqual(reused.rows.map(\.frame), Array(0..<23))
        // The moving box: run on frames 0, 2, 4, ... except where it wraps (x 7 -> 0: frames 8 and 16 match nothing),
        // reused on the others; the second box always run.
        let moving = { (objects: [ScoredObject], f: Int) in objects.first { $0.frame == f && $0.box.y1 == 2 }! }
        var runFrames: [Int] = []
        for f in 0..<23 {
            let object = moving(reused.objects, f), own = moving(every.objects, f)
            XCTAssertEqual(object.box, own.box, "frame \(f): its own box")
            if f == 0 || f % 8 == 0 || !runFrames.contains(f - 1) {
                runFrames.append(f)
                XCTAssertEqual(object.heads, own.heads, "frame \(f): run")
            } else {
                XCTAssertEqual(object.heads, moving(every.objects, f - 1).heads, "frame \(f): the scores of frame \(f - 1)")
                // Frames 0-3 and 19-22 share their window (moved inside the video), so their own scores are equal.
                if f > 3 && f < 20 { XCTAssertNotEqual(object.heads, own.heads, "frame \(f)") }
            }
            let second = reused.objects.filter { $0.frame == f && $0.box.y1 == 20 }
            XCTAssertEqual(second.map(\.heads), every.objects.filter { $0.frame == f && $0.box.y1 == 20 }.map(\.heads))
        }
        XCTAssertEqual(runFrames, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22])
        XCTAssertEqual(echo.batches.reduce(0, +), runFrames.count + 12, "the network runs only those")
        XCTAssertEqual(reused.rows[3].heads, every.rows[2].heads, "frame 3's columns are frame 2's")
    }

    func testBatchingDoesNotChangeScores() throws {
        let video = try makeVideo()
        let (a, _) = try run(batchSize: 1, video: video)
        let (b, _) = try run(batchSize: 64, video: video)
        let (c, _) = try run(batchSize: 7, video: video)
        XCTAssertEqual(a.rows, b.rows)
        XCTAssertEqual(a.rows, c.rows)
        XCTAssertEqual(a.objects, b.objects)
    }

    /// Frames are handed to the network side at least every `maxFramesPerChunk` frames, in partial batches when
    /// their objects do not fill one; the scores are the same.
    func testFramesAreHandedOverBeforeABatchFills() throws {
        let video = try makeVideo()
        let (whole, wholeEcho) = try run(batchSize: 64, video: video)
        let (chunked, echo) = try run(batchSize: 64, video: video, maxFramesPerChunk: 3)
        XCTAssertEqual(wholeEcho.batches.count, 1)
        XCTAssertEqual(echo.batches.count, 8, "23 frames, 3 per chunk: \(echo.batches)")
        XCTAssertEqual(echo.batches.reduce(0, +), wholeEcho.batches[0])
        XCTAssertEqual(chunked.rows, whole.rows)
        XCTAssertEqual(chunked.objects, whole.objects)
    }

    func testOverlayVideo() throws {
        let video = try makeVideo()
        let (result, _) = try run(batchSize: 8, video: video)
        let out = try makeScratchFolder("ssmtl-overlay") + "/overlay.mp4"
        var overlay = OverlayRenderer()
        overlay.block = 4
        try overlay.render(video: FrameReader(path: video), rows: result.rows, objects: result.objects, to: out)
        let reader = try FrameReader(path: out)
        XCTAssertEqual(reader.info.width, 16)
        XCTAssertEqual(reader.info.height, 32 + overlay.stripHeight)
        XCTAssertEqual(try reader.countByDecoding(), 23)
    }

    /// The network thread and the decoding thread stop together on an error from either side: the error reaches
    /// the caller (no hang, no result), whether the network fails on its third batch or the detector on frame 9.
    func testAnErrorOnEitherThreadStopsScoring() throws {
        struct Boom: Error, Equatable { let side: String }
        final class FailingScorer: ObjectScorer {
            let cropSide = 8
            var calls = 0
            func scores(for batch: ObjectBatch) throws -> [HeadScores] {
                calls += 1
                if calls == 3 { throw Boom(side: "network") }
                return Array(repeating: HeadScores(arrowOfTime: 0, motionIrregularity: 0, middleBox: 0, distillation: 0), count: batch.forward.count)
            }
        }
        final class FailingDetector: ObjectDetector {
            func detect(_ frame: Frame) throws -> [DetectionBox] {
                if frame.index == 9 { throw Boom(side: "detector") }
                return [DetectionBox(x1: 0, y1: 0, x2: 5, y2: 5)]
            }
        }
        let video = try makeVideo()
        var options = VideoScorer.Options()
        options.batchSize = 2
        let stats = HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1])
        let failingNetwork = FailingScorer()
        XCTAssertThrowsError(try VideoScorer(detector: FakeDetector(), scorer: failingNetwork, statistics: stats, options: options)
            .score(FrameReader(path: video))) { XCTAssertEqual($0 as? Boom, Boom(side: "network")) }
        XCTAssertEqual(failingNetwork.calls, 3)
        XCTAssertThrowsError(try VideoScorer(detector: FailingDetector(), scorer: EchoScorer(), statistics: stats, options: options)
            .score(FrameReader(path: video))) { XCTAssertEqual($0 as? Boom, Boom(side: "detector")) }
    }

    /// Each object's score is its own (the largest of its heads) averaged along its links (`ObjectLinks`), and the frame
    /// scores are built from those linked scores: the frame scorer fed the returned objects gives the returned rows.
    /// The fixed box of the fake detector links from frame to frame, so the linked scores differ from the raw ones.
    func testObjectAndFrameScoresUseTheLinkedScores() throws {
        let video = try makeVideo()
        let (result, _) = try run(batchSize: 3, video: video)
        var frames = [[ScoredObject]](repeating: [], count: 23)
        for object in result.objects { frames[object.frame].append(ScoredObject(frame: object.frame, box: object.box, heads: object.heads)) }
        let expected = ObjectLinks.linkedScores(frames: frames)
        XCTAssertEqual(result.objects.map(\.score), expected.joined().map(\.score))
        XCTAssertNotEqual(result.objects.map(\.score), frames.joined().map(\.score), "the links change some scores")
        var frameScorer = FrameScorer(frameWidth: 16, frameHeight: 32, settings: .init(block: 4, filter3D: 0))
        for objects in expected { frameScorer.addFrame(objects) }
        XCTAssertEqual(result.rows, frameScorer.finish())
    }

    /// With an object sink, the scorer keeps no objects and hands them over in frame order, the same ones it would
    /// have returned; the regions file streamed from the sink equals the one written from the returned list, and a
    /// writer dropped before commit leaves no file behind.
    func testStreamedRegionsEqualTheCollectedOnes() throws {
        let video = try makeVideo()
        let (collected, _) = try run(batchSize: 3, video: video, reuse: true)
        var options = VideoScorer.Options()   // reuseScores on, as in ssmtl score
        options.batchSize = 3
        options.frameScoring = .init(block: 4, filter3D: 0)
        let dir = try makeScratchFolder("ssmtl-rg")
        let writer = try RegionsFileWriter(path: dir + "/streamed.txt")
        var streamed: [ScoredObject] = []
        let result = try VideoScorer(detector: FakeDetector(), scorer: EchoScorer(),
                                     statistics: HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1]), options: options)
            .score(FrameReader(path: video), objects: { streamed.append($0); try writer.write($0) })
        XCTAssertTrue(result.objects.isEmpty)
        XCTAssertEqual(streamed, collected.objects)
        XCTAssertEqual(result.rows.map(\.score), collected.rows.map(\.score))
        try writer.commit()
        try ScoreFiles.writeRegions(collected.objects, to: dir + "/collected.txt")
        let text = try String(contentsOfFile: dir + "/streamed.txt", encoding: .utf8)
        XCTAssertEqual(text, try String(contentsOfFile: dir + "/collected.txt", encoding: .utf8))
        XCTAssertEqual(text.split(separator: "\n").count, collected.objects.count)
        do {
            let abandoned = try RegionsFileWriter(path: dir + "/abandoned.txt")
            try abandoned.write(collected.objects[0])
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["collected.txt", "streamed.txt"])
    }
}
