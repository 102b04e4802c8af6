import Foundation
import XCTest
@testable import SSMTL
import Randomness

final class ScoreTailTests: XCTestCase {
    private func fixtureCases() throws -> [[String: Any]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/score_tail.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        return try XCTUnwrap(json?["cases"] as? [[String: Any]])
    }

    /// Knots, mean excess and calibrated values against NumPy (Scripts/make_scoring_fixtures.py): a normal sample, a
    /// long tail, a probability piled at 0, a sample full of ties, the smallest sample (two values) and a small one.
    func testMatchesNumPy() throws {
        let cases = try fixtureCases()
        XCTAssertEqual(cases.count, 6)
        for (c, item) in cases.enumerated() {
            let sample = try XCTUnwrap(item["sample"] as? [Double]).map(Float.init)
            let knots = try XCTUnwrap(item["knots"] as? [Double])
            let excess = try XCTUnwrap(item["mean_excess"] as? Double)
            let tail = ScoreTail(sample: sample)
            XCTAssertEqual(tail.knots.count, ScoreTail.knotCount)
            for (k, (mine, theirs)) in zip(tail.knots, knots).enumerated() {
                XCTAssertEqual(Double(mine), theirs, accuracy: 1e-5 * max(1, abs(theirs)), "case \(c) knot \(k)")
            }
            XCTAssertEqual(Double(tail.meanExcess), excess, accuracy: 1e-5 * max(1, excess), "case \(c) mean excess")
            let queries = try XCTUnwrap(item["queries"] as? [Double]), expected = try XCTUnwrap(item["expected"] as? [Double])
            for (q, e) in zip(queries, expected) {
                XCTAssertEqual(Double(tail.calibrate(Float(q))), e, accuracy: 2e-4 * max(1, e), "case \(c) query \(q)")
            }
        }
    }

    /// Under its own distribution a calibrated score is about Exp(1): for an Exp(1) sample, c(s) is about s itself,
    /// and fresh values of the same distribution average about 1.
    func testCalibratedScoreOfItsOwnDistributionIsExponential() {
        var generator = SplitMix64(seed: 7)
        func exponential() -> Float { Float(-log(1 - Double(generator.next() >> 11) / Double(1 << 53))) }
        let tail = ScoreTail(sample: (0..<20000).map { _ in exponential() })
        for s: Float in [0.05, 0.5, 1, 2, 2.9, 3.5, 5, 8] {
            XCTAssertEqual(tail.calibrate(s), s, accuracy: 0.08 * max(1, s), "c(\(s))")
        }
        let fresh = (0..<20000).map { _ in tail.calibrate(exponential()) }
        XCTAssertEqual(fresh.reduce(0, +) / Float(fresh.count), 1, accuracy: 0.03)
        // A score of another shape (a probability: uniform on [0, 1]) comes out on the same scale.
        let uniform = ScoreTail(sample: (0..<20000).map { _ in Float(Double(generator.next() >> 11) / Double(1 << 53)) })
        XCTAssertEqual(uniform.calibrate(0.5), Float(log(2.0)), accuracy: 0.02)
        XCTAssertEqual(uniform.calibrate(0.9), Float(log(10.0)), accuracy: 0.05)
    }

    /// Non-decreasing in the score, 0 at or below the smallest normal value, ln 20 at the 95% knot, and one more
    /// per mean excess beyond it; a value equal to tied knots takes their highest probability.
    func testShape() throws {
        let sample: [Float] = Array(repeating: 0, count: 60) + (1...40).map { Float($0) / 10 }  // 60% at 0, then 0.1 ... 4
        let tail = ScoreTail(sample: sample)
        XCTAssertEqual(tail.knots[0], 0)
        XCTAssertEqual(tail.knots[59], 0)
        XCTAssertEqual(tail.calibrate(-1), 0)
        XCTAssertEqual(tail.calibrate(0), Float(-log(1 - 0.59)), accuracy: 1e-5, "ties at 0 take the highest probability")
        let top = tail.knots[ScoreTail.knotCount - 1]
        XCTAssertEqual(tail.calibrate(top), Float(log(20.0)), accuracy: 1e-5)
        XCTAssertEqual(tail.calibrate(top + 2 * tail.meanExcess), Float(log(20.0)) + 2, accuracy: 1e-4)
        var previous = -Float.infinity
        for i in 0...600 {
            let c = tail.calibrate(Float(i) / 100 - 1)
            XCTAssertGreaterThanOrEqual(c, previous, "at \(Float(i) / 100 - 1)")
            previous = c
        }
        // No spread in the tail: the score is left out.
        let flat = ScoreTail(sample: Array(repeating: 0.5, count: 50))
        XCTAssertFalse(flat.isUsable)
        XCTAssertEqual(flat.calibrate(10), 0)
        XCTAssertFalse(ScoreTail(sample: [1]).isUsable, "one value: no distribution")
        XCTAssertNil(ScoreTail(knots: Array(repeating: 0, count: 95), meanExcess: 1), "too few knots")
        XCTAssertNil(ScoreTail(knots: (0..<96).map { Float(95 - $0) }, meanExcess: 1), "decreasing knots")
        XCTAssertNil(ScoreTail(knots: (0..<96).map(Float.init), meanExcess: .nan))
        XCTAssertNotNil(ScoreTail(knots: (0..<96).map(Float.init), meanExcess: 0))
        // A broken score (NaN) stays NaN, as its z-score would, rather than passing as a normal 0.
        XCTAssertTrue(tail.calibrate(.nan).isNaN)
        XCTAssertEqual(tail.calibrate(-.infinity), 0)
        XCTAssertEqual(tail.calibrate(.infinity), .infinity)
    }

    /// With tails, each score is calibrated by its own tail and the object score averages the usable ones.
    func testHeadStatisticsWithTails() {
        let aot = ScoreTail(sample: (0..<200).map { Float($0) / 200 }), mi = ScoreTail(sample: (0..<200).map { Float($0) })
        let stats = HeadStatistics(mean: [0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1], tails: [aot, mi, .absent, mi, aot])
        XCTAssertEqual(stats.calibration, .tail)
        XCTAssertEqual(stats.weights, [1, 1, 0, 1, 1, 0])
        let heads = HeadScores(arrowOfTime: 0.5, motionIrregularity: 250, middleBox: 9, distillation: 20, appearance: 0.1, jigsaw: 3)
        let c = stats.standardize(heads)
        XCTAssertEqual(c, [aot.calibrate(0.5), mi.calibrate(250), 0, mi.calibrate(20), aot.calibrate(0.1), 0])
        let object = ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: c, weights: stats.weights)
        XCTAssertEqual(object.score, (c[0] + c[1] + c[3] + c[4]) / 4, accuracy: 1e-5)
        XCTAssertEqual(HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1]).calibration, .z)
    }

    /// The tails travel in the metadata and come back equal; a bad calibration name, missing or malformed knots and a
    /// calibration with no usable score are refused with the file's name.
    func testCheckpointMetadataRoundTripAndRefusals() throws {
        let tail = ScoreTail(sample: (0..<300).map { Float($0 % 37) / 7 })
        var info = CheckpointInfo(variant: .shallowNarrow, teacherWidth: 0, learningRate: 1e-3, batchSize: 4, seed: 1,
                                  epochsPlanned: 1, detector: [:])
        info.headStatistics = HeadStatistics(mean: [0.1, 0.2, 0.3, 0.4], std: [1, 2, 3, 4], tails: [tail, tail, .absent, tail])
        let metadata = info.metadata
        XCTAssertEqual(metadata["score_calibration"], "tail")
        let back = try CheckpointInfo(metadata: metadata, path: "m.safetensors")
        XCTAssertEqual(back.headStatistics, info.headStatistics)
        XCTAssertEqual(back.headStatistics?.weights, [1, 1, 0, 1, 0, 0])

        var plain = info
        plain.headStatistics = HeadStatistics(mean: [0.1, 0.2, 0.3, 0.4], std: [1, 2, 3, 4])
        XCTAssertEqual(plain.metadata["score_calibration"], "z")
        XCTAssertNil(plain.metadata["head_tail_knots"])
        var older = plain.metadata
        older["score_calibration"] = nil  // written before the option: z
        XCTAssertEqual(try CheckpointInfo(metadata: older, path: "m.safetensors").headStatistics?.calibration, .z)

        func refused(_ change: (inout [String: String]) -> Void, _ words: String, line: UInt = #line) {
            var m = metadata
            change(&m)
            XCTAssertThrowsError(try CheckpointInfo(metadata: m, path: "bad.safetensors"), line: line) {
                XCTAssertTrue("\($0)".contains("bad.safetensors") && "\($0)".contains(words), "\($0)", line: line)
            }
        }
        refused({ $0["score_calibration"] = "rank" }, "'score_calibration' is 'rank'")
        refused({ $0["head_tail_knots"] = nil }, "no head_tail_knots")
        refused({ $0["head_tail_excess"] = "1,2,3" }, "head_tail_excess 3")
        refused({ $0["head_tail_knots"] = $0["head_tail_knots"]!.replacingOccurrences(of: ";", with: ";9e9,", options: [], range: nil) },
                "must be 96 finite non-decreasing knots")
        refused({ $0["head_tail_knots"] = $0["head_tail_knots"]!.replacingOccurrences(of: "0.0,", with: "nan,") },
                "must be 96 finite non-decreasing knots")
        refused({ $0["head_tail_excess"] = $0["head_tail_excess"]!.split(separator: ",").map { _ in "0.0" }.joined(separator: ",") },
                "no score with a positive mean excess")
        refused({ $0["head_tail_excess"] = "-1,0,0,0,0,0" }, "mean excess >= 0")
    }
}
