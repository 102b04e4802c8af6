import Foundation
import XCTest
import TestScratch
@testable import SSMTL
import Randomness

final class ScoringMathTests: XCTestCase {
    /// The "cases" array of a JSON fixture written by Scripts/make_scoring_fixtures.py.
    private func fixtureCases(_ name: String) throws -> [[String: Any]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return json["cases"] as! [[String: Any]]
    }

    /// A 50x30 frame on a 20-pixel grid: 3 columns (0-19, 20-39, 40-49) and 2 rows (0-19, 20-29).
    func testMapTakesTheMaxOfTheBoxesCoveringEachCell() {
        var map = AnomalyMap(frameWidth: 50, frameHeight: 30, block: 20)
        XCTAssertEqual(map.columns, 3)
        XCTAssertEqual(map.rows, 2)
        map.add(PixelBox(x1: 5, y1: 5, x2: 25, y2: 15), score: 2)   // columns 0-1, row 0
        map.add(PixelBox(x1: 19, y1: 19, x2: 20, y2: 20), score: 5) // columns 0-1, rows 0-1
        map.add(PixelBox(x1: 45, y1: 25, x2: 49, y2: 29), score: -1) // below the empty cells' 0
        XCTAssertEqual(map.cells, [5, 5, 0,
                                   5, 5, 0])
        XCTAssertEqual(map.maximum, 5)
        XCTAssertEqual(AnomalyMap(frameWidth: 50, frameHeight: 30, block: 20).maximum, 0, "no object: 0")
    }

    func testPerPixelMapAndBoxesOutsideTheFrame() {
        var map = AnomalyMap(frameWidth: 4, frameHeight: 3, block: 1)
        map.add(PixelBox(x1: 2, y1: 1, x2: 9, y2: 9), score: 1.5)
        map.add(PixelBox(x1: -5, y1: -5, x2: -1, y2: 2), score: 9) // entirely left of the frame
        XCTAssertEqual(map.cells, [0, 0, 0, 0,
                                   0, 0, 1.5, 1.5,
                                   0, 0, 1.5, 1.5])
    }

    /// 3x3x3 mean over three 1x3 maps [0,3,0], [3,0,0], [0,0,6]: every neighbourhood is averaged over the cells
    /// that exist. Centre map, middle cell: all 9 cells -> (3 + 3 + 6) / 9.
    func testMeanFilter3DWorkedByHand() {
        func map(_ values: [Float]) -> AnomalyMap {
            var m = AnomalyMap(frameWidth: 3, frameHeight: 1, block: 1)
            m.cells = values
            return m
        }
        var filter = MeanFilter3D(size: 3)
        var out: [AnomalyMap] = []
        out += filter.push(map([0, 3, 0]))
        XCTAssertTrue(out.isEmpty, "the first map waits for its successor")
        out += filter.push(map([3, 0, 0]))
        out += filter.push(map([0, 0, 6]))
        out += filter.finish()
        XCTAssertEqual(out.count, 3)
        // t=0 sees maps 0-1; cell 0 sees columns 0-1: (0+3+3+0)/4.
        XCTAssertEqual(out[0].cells[0], 6.0 / 4, accuracy: 1e-6)
        XCTAssertEqual(out[0].cells[1], 6.0 / 6, accuracy: 1e-6)
        XCTAssertEqual(out[1].cells[1], 12.0 / 9, accuracy: 1e-6)
        // t=2 sees maps 1-2; cell 2 sees columns 1-2: (0+0+0+6)/4.
        XCTAssertEqual(out[2].cells[2], 6.0 / 4, accuracy: 1e-6)
        XCTAssertEqual(MeanFilter3D(size: 1).size, 1)
    }

    /// The streamed filter (both kernels) against SciPy's uniform_filter with zero padding divided by the same filter
    /// of ones, on random maps whose sides are shorter and longer than K and sequences shorter than K.
    func testMeanFilter3DMatchesSciPy() throws {
        let cases = try fixtureCases("mean_filter3d.json")
        XCTAssertEqual(cases.count, 7)
        for c in cases {
            let (k, frames, rows, columns) = (c["k"] as! Int, c["frames"] as! Int, c["rows"] as! Int, c["columns"] as! Int)
            let values = (c["maps"] as! [Double]).map(Float.init), expected = c["expected"] as! [Double]
            let expectedMax = c["expected_max"] as! [Double]
            for naive in [false, true] {
                var filter = MeanFilter3D(size: k)
                filter.useNaiveKernel = naive
                var out: [AnomalyMap] = []
                for t in 0..<frames {
                    var m = AnomalyMap(frameWidth: columns, frameHeight: rows, block: 1)
                    m.cells = Array(values[(t * rows * columns)..<((t + 1) * rows * columns)])
                    out += filter.push(m)
                }
                out += filter.finish()
                XCTAssertEqual(out.count, frames)
                for t in 0..<frames {
                    for i in 0..<(rows * columns) {
                        XCTAssertEqual(Double(out[t].cells[i]), expected[t * rows * columns + i], accuracy: 1e-5,
                                       "k \(k) frame \(t) cell \(i) naive \(naive)")
                    }
                    XCTAssertEqual(Double(out[t].maximum), expectedMax[t], accuracy: 1e-5)
                }
            }
        }
    }

    /// The separable kernel against the direct T·K² loop on random maps (sizes from 1x1 up, K 1 to 7, windows of
    /// 1 to 8 maps; seeded).
    func testSeparableMeanFilterMatchesTheNaiveKernel() {
        var rng = SplitMix64(seed: 20261201)
        for _ in 0..<30 {
            let rows = Int.random(in: 1...9, using: &rng), columns = Int.random(in: 1...9, using: &rng)
            let k = [1, 3, 5, 7].randomElement(using: &rng)!, frames = Int.random(in: 1...8, using: &rng)
            let maps: [AnomalyMap] = (0..<frames).map { _ in
                var m = AnomalyMap(frameWidth: columns, frameHeight: rows, block: 1)
                m.cells = (0..<(rows * columns)).map { _ in Bool.random(using: &rng) ? 0 : Float.random(in: 0...3, using: &rng) }
                return m
            }
            for t in 0..<frames {
                let t0 = max(0, t - k / 2), t1 = min(frames - 1, t + k / 2)
                let a = MeanFilter3D.naiveMean(maps[t0...t1], centre: t - t0, radius: k / 2)
                let b = MeanFilter3D.separableMean(maps[t0...t1], centre: t - t0, radius: k / 2)
                for i in a.cells.indices { XCTAssertEqual(a.cells[i], b.cells[i], accuracy: 1e-5) }
            }
        }
    }

    func testMeanFilterOfSizeOneIsTheIdentity() {
        var filter = MeanFilter3D(size: 1)
        var m = AnomalyMap(frameWidth: 3, frameHeight: 2, block: 1)
        m.cells = [1, 2, 3, 4, 5, 6]
        XCTAssertEqual(filter.push(m), [m])
    }

    func testGaussianSmoothingMatchesSciPy() throws {
        let cases = try fixtureCases("gaussian_filter1d.json")
        XCTAssertEqual(cases.count, 7)
        for c in cases {
            let sigma = c["sigma"] as! Double
            let input = c["input"] as! [Double], expected = c["expected"] as! [Double]
            let got = gaussianSmooth(input, sigma: sigma)
            XCTAssertEqual(got.count, expected.count)
            for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-12, "sigma \(sigma) n \(input.count)") }
        }
    }

    /// sigma 1 on an impulse: the kernel itself, weights exp(-k^2/2) normalised over k = -4...4.
    func testGaussianOfAnImpulseIsTheKernel() {
        var impulse = [Double](repeating: 0, count: 21)
        impulse[10] = 1
        let out = gaussianSmooth(impulse, sigma: 1)
        let norm = (-4...4).map { exp(-0.5 * Double($0 * $0)) }.reduce(0, +)
        XCTAssertEqual(out[10], 1 / norm, accuracy: 1e-15)
        XCTAssertEqual(out[12], exp(-2) / norm, accuracy: 1e-15)
        XCTAssertEqual(out[15], 0)
        XCTAssertEqual(out.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(gaussianSmooth([1, 2, 3], sigma: 0), [1, 2, 3])
    }

    func testFrameScoreSmoothingMatchesSciPy() throws {
        let cases = try fixtureCases("smoothed_frame_scores.json")
        XCTAssertEqual(cases.count, 9)
        for c in cases {
            let sigma = c["sigma"] as! Double, reach = c["reach"] as! Int
            let input = c["input"] as! [Double], expected = c["expected"] as! [Double]
            let got = smoothFrameScores(input, sigma: sigma, reach: reach)
            XCTAssertEqual(got.count, expected.count)
            for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-12, "sigma \(sigma) reach \(reach) n \(input.count)") }
        }
    }

    /// An event of 30 frames at 10 after 30 normal frames at 0: the Gaussian alone carries it into the normal frames
    /// (and pulls its first frames down); clamped, nothing moves beyond 3 frames of the step.
    func testFrameScoreSmoothingStopsAtTheReach() {
        let scores = [Double](repeating: 0, count: 30) + [Double](repeating: 10, count: 30)
        let gaussian = gaussianSmooth(scores, sigma: 5), clamped = smoothFrameScores(scores, sigma: 5)
        XCTAssertGreaterThan(gaussian[22], 0.1)
        XCTAssertLessThan(gaussian[33], 9.5)
        for f in 0..<27 { XCTAssertEqual(clamped[f], 0, "frame \(f)") }
        for f in 33..<60 { XCTAssertEqual(clamped[f], 10, "frame \(f)") }
        for f in 27..<33 { XCTAssertEqual(clamped[f], gaussian[f], "frame \(f)") }
    }

    /// A one-frame spike among equal frames is averaged as by the Gaussian: the range around it includes the spike.
    func testFrameScoreSmoothingStillAveragesASpike() {
        var scores = [Double](repeating: 1, count: 21)
        scores[10] = 9
        let gaussian = gaussianSmooth(scores, sigma: 2), clamped = smoothFrameScores(scores, sigma: 2)
        for f in 7...13 { XCTAssertEqual(clamped[f], gaussian[f], "frame \(f)") }
        XCTAssertLessThan(clamped[10], 3)
        XCTAssertEqual(clamped[5], 1)
        XCTAssertEqual(smoothFrameScores([3, 1, 2], sigma: 0), [3, 1, 2])
    }

    func testMinMaxNormalisation() {
        XCTAssertEqual(minMaxNormalize([2, 4, 3]), [0, 1, 0.5])
        XCTAssertEqual(minMaxNormalize([7, 7]), [0, 0])
    }
}

final class FrameScorerTests: XCTestCase {
    /// An object with the given heads' scores, the jigsaw score 0 when only five are given.
    private func object(frame: Int, _ box: PixelBox, heads: [Float]) -> ScoredObject {
        let padded = heads + [Float](repeating: 0, count: HeadScores.names.count - heads.count)
        return ScoredObject(frame: frame, box: box, heads: padded, weights: heads.map { _ in 1 } + padded.dropFirst(heads.count).map { _ in 0 })
    }

    func testStandardisationAndObjectScore() {
        let stats = HeadStatistics(mean: [0.5, 0.2, 0.1, 1], std: [0.25, 0.1, 0.05, 0])
        let z = stats.standardize(HeadScores(arrowOfTime: 1, motionIrregularity: 0.1, middleBox: 0.2, distillation: 7))
        XCTAssertEqual(z, [2, -1, 2, 0, 0], "a head with no spread contributes 0")
        let o = ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: z, weights: stats.weights)
        XCTAssertEqual(o.score, 2, "the largest of the four heads: this model has no appearance score")
        XCTAssertEqual(ScoredObject(frame: 0, box: o.box, heads: z, weights: [0, 1, 0, 1, 0]).score, 0, "only the heads taken")
        XCTAssertEqual(ScoredObject(frame: 0, box: o.box, heads: [-3, -1, -2, -4, -5]).score, -1, "all five, without weights; below normal stays negative")
        XCTAssertEqual(ScoredObject(frame: 0, box: o.box, heads: z, weights: [0, 0, 0, 0, 0]).score, 0, "no head taken")
    }

    /// The defaults (per-pixel map, 5x5x5 mean filter): a 10x10 box scoring 5 in one frame of nine is diluted five
    /// times in its own frame (the four neighbouring frames are empty; the box is wider than the filter, so its inner
    /// pixels see only box pixels in space), reaches the frames within two of it, and leaves the others at 0; a box
    /// scoring 5 in every frame keeps 5.
    func testDefaultScoringFiltersAOneFrameSpike() {
        XCTAssertEqual(FrameScorer.Settings().block, 1)
        XCTAssertEqual(FrameScorer.Settings().filter3D, 5)
        var spike = FrameScorer(frameWidth: 40, frameHeight: 30, settings: .init())
        var steady = FrameScorer(frameWidth: 40, frameHeight: 30, settings: .init())
        let box = PixelBox(x1: 10, y1: 10, x2: 19, y2: 19)
        for f in 0..<9 {
            spike.addFrame(f == 4 ? [object(frame: f, box, heads: [5, 5, 5, 5, 5])] : [])
            steady.addFrame([object(frame: f, box, heads: [5, 5, 5, 5, 5])])
        }
        let s = spike.finish().map(\.score), t = steady.finish().map(\.score)
        for f in 0..<9 {
            XCTAssertEqual(s[f], abs(f - 4) <= 2 ? 1 : 0, accuracy: 1e-6, "frame \(f)")
            XCTAssertEqual(t[f], 5, accuracy: 1e-5, "frame \(f)")
        }
    }

    /// Three frames: two objects, none, one. Frame score = max of the map (objects below 0 leave it at 0).
    func testFrameScoresWithoutSmoothing() {
        var scorer = FrameScorer(frameWidth: 40, frameHeight: 20, settings: .init(block: 20, filter3D: 0))
        scorer.addFrame([object(frame: 0, PixelBox(x1: 0, y1: 0, x2: 5, y2: 5), heads: [1, 1, 1, 1, 1]),
                         object(frame: 0, PixelBox(x1: 25, y1: 0, x2: 30, y2: 5), heads: [3, 3, -1, 3, 2])])
        scorer.addFrame([])
        scorer.addFrame([object(frame: 2, PixelBox(x1: 0, y1: 0, x2: 5, y2: 5), heads: [-2, -2, -2, -2, -2])])
        let rows = scorer.finish()
        XCTAssertEqual(rows.map(\.frame), [0, 1, 2])
        XCTAssertEqual(rows.map(\.score), [3, 0, 0], "the second object's largest head (3) over the first's (1)")
        XCTAssertEqual(rows[0].heads, [3, 3, 1, 3, 2], "each head: max over objects, clipped at 0")
        XCTAssertEqual(rows[2].heads, [0, 0, 0, 0, 0])
    }

    func testSmoothingNormalisationAndDeterminism() {
        func run() -> [FrameScorer.Row] {
            var scorer = FrameScorer(frameWidth: 40, frameHeight: 20, settings: .init(block: 1, filter3D: 3, sigma: 1.5, normalize: true))
            for f in 0..<30 {
                scorer.addFrame(f % 7 == 0 ? [] : [object(frame: f, PixelBox(x1: f, y1: 2, x2: f + 5, y2: 9), heads: [Float(f % 5), 1, 2, Float(f) / 10, 0.5])])
            }
            return scorer.finish()
        }
        let a = run(), b = run()
        XCTAssertEqual(a, b, "scores are deterministic")
        XCTAssertEqual(a.count, 30)
        XCTAssertEqual(a.map(\.score).min(), 0)
        XCTAssertEqual(a.map(\.score).max(), 1)
    }

    func testScoreFilesFormat() throws {
        let dir = try makeScratchFolder("ssmtl-score")
        try ScoreFiles.writeFrameScores([.init(frame: 0, score: 0.5, heads: [1, 2, 3, 0.25, 4])], to: dir + "/v.csv")
        XCTAssertEqual(try String(contentsOfFile: dir + "/v.csv", encoding: .utf8), "frame,score,aot,mi,mb,kd,app\n0,0.5,1,2,3,0.25,4\n")
        try ScoreFiles.writeRegions([ScoredObject(frame: 3, box: PixelBox(x1: 1, y1: 2, x2: 3, y2: 4), heads: [1, 1, 1, 1, 1])], to: dir + "/v.regions.txt")
        XCTAssertEqual(try String(contentsOfFile: dir + "/v.regions.txt", encoding: .utf8),
                       "3,1,2,3,4,1\n")
    }
}

final class PseudoAnomalyTests: XCTestCase {
    func testSegmentsAlternateFastAndReversed() {
        let p = PseudoAnomalies.plan(frameCount: 40, period: 10, length: 4, speed: 3)
        // 6 normal frames, 4 fast (stride 3), 6 normal, 4 reversed, 6 normal, then fast until the source ends.
        XCTAssertEqual(Array(p.frameOrder[0..<10]), [0, 1, 2, 3, 4, 5, 6, 9, 12, 15])
        XCTAssertEqual(Array(p.frameOrder[10..<20]), [18, 19, 20, 21, 22, 23, 27, 26, 25, 24])
        XCTAssertEqual(Array(p.frameOrder[20...]), [28, 29, 30, 31, 32, 33, 34, 37])
        XCTAssertEqual(p.labels, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1])
        XCTAssertTrue(p.frameOrder.allSatisfy { $0 >= 0 && $0 < 40 })
    }

    /// train decides from the frame count alone whether a validation video can be replayed: one frame fewer than the
    /// minimum gives a replay without abnormal frames.
    func testMinimumFrameCountIsTheShortestReplayWithBothLabels() {
        for (period, length) in [(60, 20), (10, 4), (7, 6)] {
            let minimum = PseudoAnomalies.minimumFrameCount(period: period, length: length)
            let enough = PseudoAnomalies.plan(frameCount: minimum, period: period, length: length).labels
            XCTAssertTrue(enough.contains(0) && enough.contains(1), "\(period), \(length)")
            let short = PseudoAnomalies.plan(frameCount: minimum - 1, period: period, length: length).labels
            XCTAssertFalse(short.contains(1), "\(period), \(length)")
        }
        XCTAssertEqual(PseudoAnomalies.minimumFrameCount(), 41)
    }
}
