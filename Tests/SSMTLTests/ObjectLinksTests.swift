import XCTest
@testable import SSMTL
import Randomness

/// Object scores averaged along the object's links (`ObjectLinks`, docs/experiments.md steps 45 and 46).
final class ObjectLinksTests: XCTestCase {
    /// An object whose every head is `score` (so its object score is `score`).
    private func object(_ frame: Int, _ x: Int, _ y: Int, size: Int = 20, score: Float) -> ScoredObject {
        ScoredObject(frame: frame, box: PixelBox(x1: x, y1: y, x2: x + size - 1, y2: y + size - 1),
                     heads: [score, score, score, score, score])
    }

    /// The frames through a `LinkedFrameStream`, each with its index as the extra: they must come out in order, whole.
    private func streamed(_ frames: [[ScoredObject]], reach: Int = ObjectLinks.reach) throws -> [ScoredObject] {
        var out: [[ScoredObject]] = []
        let stream = LinkedFrameStream<Int>(reach: reach) { frame in
            XCTAssertEqual(frame.index, out.count)
            XCTAssertEqual(frame.extra, frame.index)
            out.append(frame.objects)
        }
        for (t, objects) in frames.enumerated() { try stream.add(t, extra: t, objects: objects) }
        try stream.finish()
        XCTAssertEqual(out.count, frames.count, "every frame, with objects or not")
        return Array(out.joined())
    }

    /// One walker moving 2 pixels a frame over 9 frames (IoU of consecutive 20-pixel boxes 0.82) with scores 1...9:
    /// frame t's region is the mean of the scores of frames t-3...t+3 inside the video.
    func testAPersistentObjectTakesTheMeanOverThreeFramesEitherSide() {
        let frames = (0..<9).map { t in [object(t, 10 + 2 * t, 10, score: Float(t + 1))] }
        let linked = ObjectLinks.linkedScores(frames: frames).map { $0[0].score }
        let expected: [Float] = (0..<9).map { t in
            let window = max(0, t - 3)...min(8, t + 3)
            return Float(window.map { Double($0 + 1) }.reduce(0, +) / Double(window.count))
        }
        for (got, want) in zip(linked, expected) { XCTAssertEqual(got, want, accuracy: 1e-6) }
        XCTAssertEqual(linked[0], 2.5, accuracy: 1e-6)   // (1 + 2 + 3 + 4) / 4
        XCTAssertEqual(linked[4], 5, accuracy: 1e-6)
    }

    /// A one-frame spike on a normal walker is divided by the chain's length; an object that appears for one frame
    /// (no link either way) keeps its own score.
    func testASpikeIsAveragedAndAnUnlinkedObjectKeepsItsScore() {
        var frames = (0..<7).map { t in [object(t, 10 + t, 10, score: t == 3 ? 8 : 1)] }
        frames[3].append(object(3, 200, 200, score: 6))   // far from everything
        let linked = ObjectLinks.linkedScores(frames: frames)
        XCTAssertEqual(linked[3][0].score, Float(6 + 8) / 7, accuracy: 1e-6)
        XCTAssertEqual(linked[3][1].score, 6)
        XCTAssertEqual(linked[3][1].heads, frames[3][1].heads, "the heads are written as they are")
    }

    /// A link needs IoU >= 0.5 (a 20-pixel box moved by 7 pixels overlaps 0.48, by 6 pixels 0.54), the best
    /// overlapping box of the next frame is followed, and a frame without objects ends the chain.
    func testLinksNeedHalfTheBoxFollowTheBestOverlapAndStopAtAnEmptyFrame() {
        let far = [[object(0, 10, 10, score: 1)], [object(1, 17, 10, score: 5)]]
        XCTAssertEqual(ObjectLinks.linkedScores(frames: far)[0][0].score, 1)
        let near = [[object(0, 10, 10, score: 1)], [object(1, 16, 10, score: 5)]]
        XCTAssertEqual(ObjectLinks.linkedScores(frames: near)[0][0].score, 3)

        let choice = [[object(0, 10, 10, score: 0)],
                      [object(1, 16, 10, score: 9), object(1, 11, 10, score: 3)],   // IoU 0.54 and 0.90
                      [object(2, 12, 10, score: 6)]]
        // From frame 0: frame 1's better box (3), then from it frame 2's (6): (0 + 3 + 6) / 3.
        XCTAssertEqual(ObjectLinks.linkedScores(frames: choice)[0][0].score, 3, accuracy: 1e-6)

        let gap = [[object(0, 10, 10, score: 1)], [], [object(2, 10, 10, score: 7)]]
        let linked = ObjectLinks.linkedScores(frames: gap)
        XCTAssertEqual(linked[0][0].score, 1)
        XCTAssertEqual(linked[2][0].score, 7)
    }

    /// The stream gives the reference's objects, scores and order (both walk the links with `ObjectLinks.linked`, so
    /// this checks what the window holds and when it emits) on random videos: empty frames, several objects a
    /// frame, boxes that drift, appear and vanish, and reaches 0-4.
    func testTheStreamMatchesTheReference() throws {
        var rng = SplitMix64(seed: 45)
        for trial in 0..<60 {
            let frameCount = 1 + Int(rng.next() % 40)
            var walkers: [(x: Int, y: Int)] = (0..<Int(rng.next() % 4)).map { _ in (Int(rng.next() % 100), Int(rng.next() % 100)) }
            var frames: [[ScoredObject]] = []
            for t in 0..<frameCount {
                if rng.next() % 5 == 0 { walkers.append((Int(rng.next() % 100), Int(rng.next() % 100))) }
                if !walkers.isEmpty, rng.next() % 6 == 0 { walkers.remove(at: Int(rng.next() % UInt64(walkers.count))) }
                walkers = walkers.map { ($0.x + Int(rng.next() % 9) - 4, $0.y + Int(rng.next() % 9) - 4) }
                let empty = rng.next() % 7 == 0
                frames.append(empty ? [] : walkers.map { object(t, $0.x, $0.y, score: Float(rng.next() % 1000) / 100) })
            }
            let reach = trial % 5
            let expected = Array(ObjectLinks.linkedScores(frames: frames, reach: reach).joined())
            XCTAssertEqual(try streamed(frames, reach: reach), expected, "trial \(trial), reach \(reach)")
        }
    }

    /// A stream without objects emits nothing; a video whose objects start late keeps their frame numbers.
    func testEmptyAndLateStartingStreams() throws {
        XCTAssertEqual(try streamed([]), [])
        let late = [[], [], [object(2, 10, 10, score: 2)], [object(3, 11, 10, score: 4)]]
        XCTAssertEqual(try streamed(late).map(\.frame), [2, 3])
        XCTAssertEqual(try streamed(late).map(\.score), [3, 3])
    }

    /// Memory stays bounded: after each frame of a long stream the stream holds at most 2 · reach + 1 frames.
    func testTheStreamHoldsABoundedWindow() throws {
        var emitted = 0
        let stream = LinkedFrameStream<Void> { emitted += $0.objects.count }
        for t in 0..<10_000 {
            try stream.add(t, extra: (), objects: [object(t, 10 + (t % 5), 10, score: 1), object(t, 300, 10 + (t % 3), score: 2)])
            XCTAssertLessThanOrEqual(stream.heldFrames, 2 * ObjectLinks.reach + 1)
        }
        try stream.finish()
        XCTAssertEqual(emitted, 20_000)
    }
}
