import Foundation
import XCTest
import NeuralNet
@testable import SSMTL

final class AppearanceNoveltyTests: XCTestCase {
    /// (N = 2, C = 2, 4 x 4) maps: each 2x2 block is averaged, then the row is scaled to unit length.
    func testFeaturesAverageBlocksAndHaveUnitLength() {
        let t = Tensor(shape: [2, 2, 4, 4])
        for i in 0..<16 { t[i] = Float(i) }          // object 0, channel 0: 0 ... 15 row by row
        for i in 16..<32 { t[i] = 1 }                 // object 0, channel 1: all 1
        // object 1: all 0
        let (values, d) = appearanceFeatures(t)
        XCTAssertEqual(d, 8)
        // Blocks of channel 0: (0+1+4+5)/4 = 2.5, 4.5, 10.5, 12.5; channel 1: 1, 1, 1, 1.
        let raw: [Float] = [2.5, 4.5, 10.5, 12.5, 1, 1, 1, 1]
        let norm = raw.map { $0 * $0 }.reduce(0, +).squareRoot()
        for k in 0..<8 { XCTAssertEqual(values[k], raw[k] / norm, accuracy: 1e-6) }
        XCTAssertEqual(Array(values[8...]), [Float](repeating: 0, count: 8), "a zero map stays zero")
    }

    func testNearestDistances() {
        let s = Float(0.5).squareRoot()
        let bank = AppearanceBank(dimension: 2, entries: [1, 0, s, s])
        let d = bank.distances([1, 0, 0, 1, -1, 0], count: 3)
        XCTAssertEqual(d[0], 0, accuracy: 1e-3, "a bank entry itself")
        XCTAssertEqual(d[1], (2 - 2 * s).squareRoot(), accuracy: 1e-5, "nearest is the diagonal entry")
        XCTAssertEqual(d[2], (2 + 2 * s).squareRoot(), accuracy: 1e-5, "opposite of (1, 0): the diagonal entry is nearer")
    }

    /// Two videos of two objects each: the normal distance of every object is measured to the other video only.
    func testStatisticsLeaveTheOwnVideoOut() throws {
        let sampler = AppearanceSampler(capacity: 10, seed: 1)
        let s = Float(0.5).squareRoot()
        sampler.beginVideo(0)
        sampler.add([1, 0, 1, 0], count: 2, dimension: 2)    // twice the same object: distance 0 within the video
        sampler.beginVideo(1)
        sampler.add([s, s, 0, 1], count: 2, dimension: 2)
        let result = try XCTUnwrap(sampler.finish())
        XCTAssertEqual(result.bank.count, 4)
        // Video 0's objects: nearest in video 1 is the diagonal, |(1,0) - (s,s)|; video 1's: (s,s) -> (1,0) the same,
        // (0,1) -> (1,0) is sqrt 2.
        let near = Double((2 - 2 * s).squareRoot()), far = 2.0.squareRoot()
        let distances = [near, near, near, far]
        let mean = distances.reduce(0, +) / 4
        let std = (distances.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4).squareRoot()
        XCTAssertEqual(Double(result.mean), mean, accuracy: 1e-5)
        XCTAssertEqual(Double(result.std), std, accuracy: 1e-5)
    }

    func testReservoirIsBoundedSeededAndUniform() {
        func sample(seed: UInt64) -> AppearanceSampler {
            let sampler = AppearanceSampler(capacity: 200, seed: seed)
            for v in 0..<4 {
                sampler.beginVideo(v)
                let values = (0..<500).flatMap { i in [Float(v), Float(i)] }
                sampler.add(values, count: 500, dimension: 2)
            }
            return sampler
        }
        let a = sample(seed: 1), b = sample(seed: 1), c = sample(seed: 2)
        XCTAssertEqual(a.count, 200)
        XCTAssertEqual(a.groupsOfKept(), b.groupsOfKept())
        XCTAssertNotEqual(a.groupsOfKept(), c.groupsOfKept())
        let perVideo = (0..<4).map { v in a.groupsOfKept().filter { $0 == v }.count }
        for n in perVideo { XCTAssertTrue((30...70).contains(n), "about 50 of each video: \(perVideo)") }
    }

    /// One video: its objects are split into ten consecutive parts, which play the role of videos.
    func testASingleVideoIsSplitIntoTenParts() throws {
        let sampler = AppearanceSampler(capacity: 100, seed: 1)
        sampler.beginVideo(3)
        var rng = RNG(seed: 9)
        let values = (0..<(40 * 4)).map { _ in rng.normal() }
        var unit = values
        for i in 0..<40 {
            let norm = (0..<4).map { values[i * 4 + $0] * values[i * 4 + $0] }.reduce(0, +).squareRoot()
            for k in 0..<4 { unit[i * 4 + k] /= norm }
        }
        sampler.add(unit, count: 40, dimension: 4)
        XCTAssertEqual(sampler.groupsOfKept(), (0..<40).map { $0 / 4 })
        XCTAssertNotNil(sampler.finish())
        let lonely = AppearanceSampler(capacity: 10, seed: 1)
        lonely.add([1, 0], count: 1, dimension: 2)
        XCTAssertNil(lonely.finish(), "one object: no normal distance can be measured")
    }

    /// Old checkpoints have four statistics: the appearance score is then left out of the object score.
    func testFourStatisticsLeaveTheAppearanceScoreOut() {
        let old = HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1])
        XCTAssertEqual(old.weights, [1, 1, 1, 1, 0])
        let heads = HeadScores(arrowOfTime: 1, motionIrregularity: 2, middleBox: 3, distillation: 4, appearance: 100)
        XCTAssertEqual(ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: old.standardize(heads),
                                    weights: old.weights).score, 4, "the largest of the four heads, not the appearance's 100")
        let new = HeadStatistics(mean: [0, 0, 0, 0, 0.5], std: [1, 1, 1, 1, 0.25])
        XCTAssertEqual(new.weights, [1, 1, 1, 1, 1])
        let z = new.standardize(HeadScores(arrowOfTime: 1, motionIrregularity: 2, middleBox: 3, distillation: 4, appearance: 1))
        XCTAssertEqual(z, [1, 2, 3, 4, 2])
        XCTAssertEqual(ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: z, weights: new.weights).score, 4)
        let foreign = new.standardize(HeadScores(arrowOfTime: 0, motionIrregularity: 0, middleBox: 0, distillation: 0, appearance: 2))
        XCTAssertEqual(ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: foreign, weights: new.weights).score, 6,
                       "the appearance score counts when the model has one")
    }

    /// The bank travels in the checkpoint; a bank of the wrong width, or appearance statistics without a bank, are
    /// refused with the file's name.
    func testCheckpointRoundTripAndRefusals() throws {
        var config = NetworkConfig(variant: .shallowNarrow)
        config.encoderPlan = [2, 0, 2, 0]; config.cropSize = 8        // pooled map (2, 2, 2): features of 2 x 1 x 1
        let model = MultiTaskModel(config: config, teacherWidth: 0, learningRate: 1e-3, seed: 1)
        var info = CheckpointInfo(network: model.net.config, teacherWidth: 0, learningRate: 1e-3, batchSize: 4, seed: 1,
                                  epochsPlanned: 1, detector: [:])
        info.headStatistics = HeadStatistics(mean: [0, 0, 0, 0, 0.5], std: [1, 1, 1, 1, 0.1])
        model.appearanceBank = AppearanceBank(dimension: 2, entries: [1, 0, 0, 1, 0.6, 0.8])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ssmtl-bank-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.safetensors"
        try ModelCheckpoint.save(model, info: info, to: good, includeOptimizer: false)
        let (loaded, loadedInfo) = try ModelCheckpoint.load(good)
        XCTAssertEqual(loaded.appearanceBank, model.appearanceBank)
        XCTAssertEqual(loadedInfo.headStatistics, info.headStatistics)
        let other = MultiTaskModel(config: config, teacherWidth: 0, learningRate: 1e-3, seed: 2)
        _ = try ModelCheckpoint.loadWeights(good, into: other)
        XCTAssertEqual(other.appearanceBank, model.appearanceBank)

        model.appearanceBank = nil
        let noBank = dir + "/nobank.safetensors"
        try ModelCheckpoint.save(model, info: info, to: noBank, includeOptimizer: false)
        XCTAssertThrowsError(try ModelCheckpoint.load(noBank)) {
            XCTAssertTrue("\($0)".contains("nobank.safetensors") && "\($0)".contains("no appearance.bank"), "\($0)")
        }
        model.appearanceBank = AppearanceBank(dimension: 3, entries: [1, 0, 0])
        let wide = dir + "/wide.safetensors"
        try ModelCheckpoint.save(model, info: info, to: wide, includeOptimizer: false)
        XCTAssertThrowsError(try ModelCheckpoint.load(wide)) {
            XCTAssertTrue("\($0)".contains("wide.safetensors") && "\($0)".contains("appearance.bank has shape [1, 3]"), "\($0)")
        }
        // Four statistics (an older checkpoint) and no bank: loads, and the appearance score is not used.
        info.headStatistics = HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1])
        model.appearanceBank = nil
        let old = dir + "/old.safetensors"
        try ModelCheckpoint.save(model, info: info, to: old, includeOptimizer: false)
        XCTAssertEqual(try ModelCheckpoint.load(old).1.headStatistics?.weights, [1, 1, 1, 1, 0])
    }
}
