import Foundation
import XCTest
import TestScratch
@testable import SSMTL
import Detection
import VideoIO

final class TrainingDataTests: XCTestCase {
    /// 40 frames whose pixels equal 5 * index, one object on frames 0, 10, 20, 39.
    private func stream(seed: UInt64) throws -> [TrainingExample] {
        let dir = try makeScratchFolder("ssmtl-td")
        for i in 0..<40 {
            try ImageFile.write(Frame(width: 8, height: 8, layout: .rgb24, pixels: [UInt8](repeating: UInt8(5 * i), count: 192)),
                                to: dir + String(format: "/%03d.png", i))
        }
        var s = ExampleStream()
        s.side = 4
        var rng = TestRNG(seed: seed)
        var examples: [TrainingExample] = []
        var timings = EpochTimings()
        try s.run(reader: FrameReader(path: dir), video: 2, rng: &rng, timings: &timings,
                  detections: { [0, 10, 20, 39].contains($0.index) ? [DetectionBox(x1: 0, y1: 0, x2: 7, y2: 7, classProbabilities: [0.25, 0.75])] : [] },
                  emit: { examples.append($0) })
        return examples
    }

    /// The frame index whose value fills time step t of a (3, 7, 4, 4) byte sequence.
    private func frameAt(_ crops: [UInt8], step: Int) -> Int { Int(crops[step * 16]) / 5 }

    func testExamplesHoldTheirFrames() throws {
        let examples = try stream(seed: 1)
        XCTAssertEqual(examples.map(\.frame), [0, 10, 20, 39])
        XCTAssertTrue(examples.allSatisfy { $0.video == 2 && $0.teacher == [0.25, 0.75] })
        for e in examples {
            let consecutive = (0..<7).map { frameAt(e.consecutive, step: $0) }
            XCTAssertEqual(consecutive, (-3...3).map { min(max(e.frame + $0, 0), 39) })
            let irregular = (0..<7).map { frameAt(e.irregular, step: $0) }
            XCTAssertEqual(irregular[3], e.frame, "the middle frame is kept")
            if e.frame == 20 {
                // Far from both ends nothing is clamped: strictly increasing with a gap > 1.
                XCTAssertTrue(zip(irregular.dropFirst(), irregular).allSatisfy { $0 > $1 })
                XCTAssertTrue(zip(irregular.dropFirst(), irregular).contains { $0 - $1 > 1 })
                XCTAssertTrue(irregular.allSatisfy { abs($0 - 20) <= 15 })
            }
        }
        let again = try stream(seed: 1)
        XCTAssertEqual(again.map(\.irregular), examples.map(\.irregular), "seeded")
    }

    func testBatchAssembly() throws {
        let examples = try stream(seed: 3) + stream(seed: 4) + stream(seed: 5)
        var rng = TestRNG(seed: 9)
        let batch = TrainingBatch(examples: examples, side: 4, teacherWidth: 2, rng: &rng)
        XCTAssertEqual(batch.count, 12)
        XCTAssertEqual(Set(zip(batch.aotLabels, batch.miLabels).map { "\($0)\($1)" }).count, 4, "all four label pairs occur")
        let plane = 16
        func value(_ tensor: [Float], object n: Int, channel c: Int, steps: Int, step t: Int) -> Int {
            Int((tensor[((n * 3 + c) * steps + t) * plane] * 255 / 5).rounded())
        }
        for (n, e) in examples.enumerated() {
            let consecutive = (-3...3).map { min(max(e.frame + $0, 0), 39) }
            let base = batch.miLabels[n] == 1 ? (0..<7).map { frameAt(e.irregular, step: $0) } : consecutive
            for channel in 0..<3 {
                let sequence = (0..<7).map { value(batch.sequence, object: n, channel: channel, steps: 7, step: $0) }
                XCTAssertEqual(sequence, batch.aotLabels[n] == 1 ? base.reversed() : base)
            }
            let middle = (0..<6).map { value(batch.middleInput, object: n, channel: 0, steps: 6, step: $0) }
            XCTAssertEqual(middle, consecutive.enumerated().filter { $0.offset != 3 }.map(\.element))
            XCTAssertEqual(value(batch.middleTarget, object: n, channel: 0, steps: 1, step: 0), e.frame)
        }
        XCTAssertEqual(batch.teacher, Array(repeating: [Float(0.25), 0.75], count: 12).flatMap { $0 })
    }

    /// With mirroring, each object's crops are either as without it or all mirrored left-right (sequence, middle-box
    /// input and target alike), both happen, and the labels come from the same first two coin flips.
    func testMirroredBatches() {
        let side = 4, plane = 16
        // Pixel (c, t, y, x) = 40c + 10t + 2y + x (+1 for the irregular sequence): no crop is symmetric.
        func crops(_ extra: Int) -> [UInt8] {
            (0..<3).flatMap { c in (0..<7).flatMap { t in (0..<plane).map { p in UInt8(40 * c + 10 * t + 2 * (p / side) + p % side + extra) } } }
        }
        let example = TrainingExample(video: 0, frame: 5, consecutive: crops(0), irregular: crops(1), teacher: [])
        func mirrored(_ values: ArraySlice<Float>) -> [Float] {
            let v = Array(values)
            return (0..<v.count).map { p in v[p - p % side + (side - 1 - p % side)] }
        }
        var seen = Set<Bool>()
        for seed in 0..<24 as Range<UInt64> {
            var plainRNG = TestRNG(seed: seed), mirrorRNG = TestRNG(seed: seed)
            let plain = TrainingBatch(examples: [example], side: side, teacherWidth: 0, rng: &plainRNG)
            let maybe = TrainingBatch(examples: [example], side: side, teacherWidth: 0, mirror: true, rng: &mirrorRNG)
            XCTAssertEqual(maybe.aotLabels, plain.aotLabels)
            XCTAssertEqual(maybe.miLabels, plain.miLabels)
            let flipped = maybe.sequence != plain.sequence
            seen.insert(flipped)
            for (a, b) in [(plain.sequence, maybe.sequence), (plain.middleInput, maybe.middleInput), (plain.middleTarget, maybe.middleTarget)] {
                for start in stride(from: 0, to: a.count, by: plane) {
                    let expected = flipped ? mirrored(a[start..<start + plane]) : Array(a[start..<start + plane])
                    XCTAssertEqual(Array(b[start..<start + plane]), expected)
                }
            }
        }
        XCTAssertEqual(seen, [false, true], "some objects are mirrored and some are not")
    }

    func testShuffleBufferIsBoundedAndLosesNothing() {
        var buffer = ShuffleBuffer<Int>(capacity: 8)
        var rng = TestRNG(seed: 5)
        var out: [Int] = []
        for i in 0..<100 {
            if let x = buffer.insert(i, using: &rng) { out.append(x) }
            XCTAssertLessThanOrEqual(buffer.count, 8)
        }
        out += buffer.drain(using: &rng)
        XCTAssertEqual(out.sorted(), Array(0..<100))
        XCTAssertNotEqual(out, Array(0..<100), "shuffled")
    }
}
