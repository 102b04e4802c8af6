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
        let d = bank.nearestDistances([1, 0, 0, 1, -1, 0], count: 3)
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

    /// The Gaussian score's normal statistics leave each video out too: every video's entries are scored by the
    /// Gaussian of the other videos' entries (checked against fits made here group by group), the bank scores with
    /// the Gaussian of all its entries, and an object far from the normal spread scores far higher than a normal one.
    func testGaussianStatisticsLeaveTheOwnVideoOut() throws {
        var rng = RNG(seed: 4)
        let sampler = AppearanceSampler(capacity: 1000, seed: 1)
        var perVideo: [[Float]] = []
        for v in 0..<3 {
            sampler.beginVideo(v)
            let rows = (0..<(30 * 3)).map { k in rng.normal() * [1, 0.5, 0.2][k % 3] + Float(v) * 0.1 }
            sampler.add(rows, count: 30, dimension: 3)
            perVideo.append(rows)
        }
        let result = try XCTUnwrap(sampler.finish(score: .gaussian))
        XCTAssertEqual(result.bank.score, .gaussian)
        var expected: [Double] = []
        for v in 0..<3 {
            let others = (0..<3).filter { $0 != v }.flatMap { perVideo[$0] }
            let model = try XCTUnwrap(GaussianModel(rows: others, count: 60, dimension: 3))
            expected += model.distances(perVideo[v], count: 30).map(Double.init)
        }
        let mean = expected.reduce(0, +) / 90
        let std = (expected.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 90).squareRoot()
        XCTAssertEqual(Double(result.mean), mean, accuracy: 1e-4)
        XCTAssertEqual(Double(result.std), std, accuracy: 1e-4)
        let all = try XCTUnwrap(GaussianModel(rows: perVideo.flatMap { $0 }, count: 90, dimension: 3))
        let probe: [Float] = [0.3, 0.1, 0.0, 0.1, 0.1, 1.5]      // typical, then 7 spreads out along the narrow axis
        XCTAssertEqual(result.bank.distances(probe, count: 2), all.distances(probe, count: 2))
        let d = result.bank.distances(probe, count: 2)
        XCTAssertGreaterThan(d[1], 4 * d[0])
        XCTAssertNil(AppearanceBank(dimension: 2, entries: [1, 0, 1, 0], score: .gaussian), "equal entries: no Gaussian")
    }

    /// The reservoir keeps at most `capacity` objects, is reproducible, depends on the seed, and samples the whole
    /// stream (not only its start).
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
        XCTAssertEqual(old.weights, [1, 1, 1, 1, 0, 0])
        let heads = HeadScores(arrowOfTime: 1, motionIrregularity: 2, middleBox: 3, distillation: 4, appearance: 100)
        XCTAssertEqual(ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: old.standardize(heads),
                                    weights: old.weights).score, 2.5)
        let new = HeadStatistics(mean: [0, 0, 0, 0, 0.5], std: [1, 1, 1, 1, 0.25])
        XCTAssertEqual(new.weights, [1, 1, 1, 1, 1, 0])
        let z = new.standardize(HeadScores(arrowOfTime: 1, motionIrregularity: 2, middleBox: 3, distillation: 4, appearance: 1))
        XCTAssertEqual(z, [1, 2, 3, 4, 2, 0])
        XCTAssertEqual(ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: z, weights: new.weights).score, 2.4)
    }

    /// Checkpoints written before the jigsaw head have five statistics: the jigsaw score is then left out; with six,
    /// it is averaged like the others.
    func testFiveStatisticsLeaveTheJigsawScoreOut() {
        let heads = HeadScores(arrowOfTime: 1, motionIrregularity: 2, middleBox: 3, distillation: 4, appearance: 5, jigsaw: 0.5)
        let five = HeadStatistics(mean: [0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1])
        XCTAssertEqual(five.weights, [1, 1, 1, 1, 1, 0])
        XCTAssertEqual(ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: five.standardize(heads),
                                    weights: five.weights).score, 3)
        let six = HeadStatistics(mean: [0, 0, 0, 0, 0, 0.25], std: [1, 1, 1, 1, 1, 0.125])
        XCTAssertEqual(six.weights, [1, 1, 1, 1, 1, 1])
        XCTAssertEqual(six.standardize(heads), [1, 2, 3, 4, 5, 2])
        XCTAssertEqual(ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: six.standardize(heads),
                                    weights: six.weights).score, 17.0 / 6, accuracy: 1e-6)
    }

    /// The jigsaw score is 1 - the mean probability of each cell's own position: near 0 for a confident, right head,
    /// 1 - 1/cells for an undecided one, and worked by hand for a mixed case.
    func testJigsawScore() {
        let cells = 4
        func logits(_ rows: [[Float]]) -> Tensor { Tensor(shape: [1, cells * cells], values: rows.flatMap { $0 }) }
        let sure = logits((0..<cells).map { d in (0..<cells).map { $0 == d ? 30 : 0 } })
        XCTAssertEqual(jigsawScore(sure, object: 0), 0, accuracy: 1e-6)
        let undecided = logits(Array(repeating: [0, 0, 0, 0], count: cells))
        XCTAssertEqual(jigsawScore(undecided, object: 0), 0.75, accuracy: 1e-6)
        // Row 0 puts p = e/(e+3) on cell 0; rows 1-3 are sure of the wrong cell (p of their own ~ 0).
        let mixed = logits([[1, 0, 0, 0], [30, 0, 0, 0], [30, 0, 0, 0], [30, 0, 0, 0]])
        let e = Float(M_E)
        XCTAssertEqual(jigsawScore(mixed, object: 0), 1 - (e / (e + 3)) / 4, accuracy: 1e-5)
        // The second object of a batch reads its own rows.
        let two = Tensor(shape: [2, cells * cells], values: undecided.array + sure.array)
        XCTAssertEqual(jigsawScore(two, object: 1), 0, accuracy: 1e-6)
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
        // A Gaussian bank travels as its entries plus `appearance_score`; loading refits the same Gaussian. An unknown
        // score name, or entries no Gaussian fits, are refused with the file's name.
        info.appearanceScore = .gaussian
        model.appearanceBank = AppearanceBank(dimension: 2, entries: [1, 0, 0, 1, 0.6, 0.8, -0.6, 0.8], score: .gaussian)
        let gaussian = dir + "/gaussian.safetensors"
        try ModelCheckpoint.save(model, info: info, to: gaussian, includeOptimizer: false)
        let (fitted, fittedInfo) = try ModelCheckpoint.load(gaussian)
        XCTAssertEqual(fittedInfo.appearanceScore, .gaussian)
        XCTAssertEqual(fitted.appearanceBank, model.appearanceBank)
        XCTAssertEqual(fitted.appearanceBank?.distances([0.6, -0.8], count: 1), model.appearanceBank?.distances([0.6, -0.8], count: 1))
        model.appearanceBank = AppearanceBank(dimension: 2, entries: [1, 0, 1, 0])
        let flat = dir + "/flat.safetensors"
        try ModelCheckpoint.save(model, info: info, to: flat, includeOptimizer: false)
        XCTAssertThrowsError(try ModelCheckpoint.load(flat)) {
            XCTAssertTrue("\($0)".contains("flat.safetensors") && "\($0)".contains("cannot be fitted by a Gaussian"), "\($0)")
        }
        var metadata = try Safetensors.read(gaussian).metadata
        metadata["appearance_score"] = "cosine"
        let file = try Safetensors.read(gaussian)
        let renamed = dir + "/renamed.safetensors"
        try Safetensors.write(file.order.map { NamedTensor(name: $0, shape: file.tensors[$0]!.shape, values: file.tensors[$0]!.values) },
                              metadata: metadata, to: renamed)
        XCTAssertThrowsError(try ModelCheckpoint.load(renamed)) {
            XCTAssertTrue("\($0)".contains("renamed.safetensors") && "\($0)".contains("'appearance_score' is 'cosine'"), "\($0)")
        }
        info.appearanceScore = .nearest

        // Four statistics (an older checkpoint) and no bank: loads, and the appearance score is not used.
        info.headStatistics = HeadStatistics(mean: [0, 0, 0, 0], std: [1, 1, 1, 1])
        model.appearanceBank = nil
        let old = dir + "/old.safetensors"
        try ModelCheckpoint.save(model, info: info, to: old, includeOptimizer: false)
        XCTAssertEqual(try ModelCheckpoint.load(old).1.headStatistics?.weights, [1, 1, 1, 1, 0, 0])
    }

    /// The jigsaw grid travels in the checkpoint's metadata and its head's weights with the others, so a loaded
    /// model gives the same jigsaw scores; a grid that cannot cut the crops is refused with the file's name.
    func testJigsawCheckpointRoundTrip() throws {
        var config = NetworkConfig(variant: .shallowNarrow)
        config.encoderPlan = [2, 0, 2, 0]; config.cropSize = 8; config.jigsawGrid = 2
        let model = MultiTaskModel(config: config, teacherWidth: 0, learningRate: 1e-3, seed: 1)
        let info = CheckpointInfo(network: model.net.config, teacherWidth: 0, learningRate: 1e-3, batchSize: 4, seed: 1,
                                  epochsPlanned: 1, detector: [:])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ssmtl-jigsaw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/j.safetensors"
        try ModelCheckpoint.save(model, info: info, to: path, includeOptimizer: false)
        let (loaded, loadedInfo) = try ModelCheckpoint.load(path)
        XCTAssertEqual(loadedInfo.network.jigsawGrid, 2)
        XCTAssertEqual(loaded.net.config.jigsawGrid, 2)
        let n = 3
        var forward = SequenceTensor(count: n, frames: 7, side: 8)
        forward.values = forward.values.indices.map { Float(abs(sin(Double($0) * 0.37))) }
        var middle = SequenceTensor(count: n, frames: 6, side: 8)
        middle.values = MultiTaskNet.middleInput(of: Tensor(shape: [n, 3, 7, 8, 8], values: forward.values)).array
        var target = SequenceTensor(count: n, frames: 1, side: 8)
        target.values = target.values.map { _ in 0.5 }
        let batch = ObjectBatch(forward: forward, middleInput: middle, middleTarget: target, teacher: Array(repeating: [], count: n))
        let a = try model.scores(for: batch), b = try loaded.scores(for: batch)
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.allSatisfy { $0.jigsaw > 0 && $0.jigsaw < 1 }, "\(a.map(\.jigsaw))")

        // Same length, so the header length and tensor offsets stay valid.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let key = try XCTUnwrap(bytes.range(of: Data("\"jigsaw_grid\":\"2\"".utf8)))
        bytes.replaceSubrange(key, with: Data("\"jigsaw_grid\":\"3\"".utf8))
        let bad = dir + "/bad.safetensors"
        try bytes.write(to: URL(fileURLWithPath: bad))
        XCTAssertThrowsError(try ModelCheckpoint.load(bad)) {
            XCTAssertTrue("\($0)".contains("bad.safetensors") && "\($0)".contains("jigsaw grid"), "\($0)")
        }
    }
}
