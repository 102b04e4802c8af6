import Foundation
import XCTest
@testable import SSMTL
import NeuralNet

/// An ensemble file holds its members' checkpoints; loaded for scoring, it scores every object with the mean of the
/// members' standardised scores, and a malformed or inconsistent file is refused with its name and member.
final class EnsembleTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ssmtl-ensemble-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private static func config(cropSize: Int = 8) -> NetworkConfig {
        var config = NetworkConfig(variant: .shallowNarrow)
        config.encoderPlan = [2, 0, 2, 0]; config.cropSize = cropSize   // pooled map (2, 2, 2): features of 2 x 1 x 1
        return config
    }

    /// A finished tiny model: seeded weights, a trained student, statistics of all five scores and a bank.
    private func member(seed: UInt64, statistics: HeadStatistics, cropSize: Int = 8) throws -> String {
        let model = MultiTaskModel(config: Self.config(cropSize: cropSize), teacherWidth: 0, learningRate: 1e-3, seed: seed)
        model.studentTrained = true
        let dimension = 2 * (cropSize / 8) * (cropSize / 8)   // encoder channels x (crop / 8)^2
        model.appearanceBank = AppearanceBank(dimension: dimension, entries: (0..<(3 * dimension)).map { Float(($0 * 7) % 5) / 4 })
        var info = CheckpointInfo(network: model.net.config, teacherWidth: 0, learningRate: 1e-3, batchSize: 4, seed: seed,
                                  epochsPlanned: 1, detector: ["kind": "motion"])
        info.epoch = 1
        info.studentEpochsPlanned = 1
        info.studentEpoch = 1
        info.headStatistics = statistics
        let path = dir + "/member\(seed).safetensors"
        try ModelCheckpoint.save(model, info: info, to: path, includeOptimizer: false)
        return path
    }

    private static func batch(count n: Int, side: Int = 8) -> ObjectBatch {
        var forward = SequenceTensor(count: n, frames: 7, side: side)
        forward.values = forward.values.indices.map { Float(abs(sin(Double($0) * 0.37))) }
        var middle = SequenceTensor(count: n, frames: 6, side: side)
        middle.values = MultiTaskNet.middleInput(of: Tensor(shape: [n, 3, 7, side, side], values: forward.values)).array
        var target = SequenceTensor(count: n, frames: 1, side: side)
        target.values = target.values.indices.map { Float(abs(cos(Double($0) * 0.11))) }
        return ObjectBatch(forward: forward, middleInput: middle, middleTarget: target, teacher: Array(repeating: [], count: n))
    }

    private let statisticsA = HeadStatistics(mean: [0.5, 0.4, 0.3, 0.01, 0.2], std: [0.2, 0.1, 0.05, 0.004, 0.3])
    private let statisticsB = HeadStatistics(mean: [0.45, 0.5, 0.25, 0.02, 0.1], std: [0.1, 0.3, 0.08, 0.01, 0.2])

    /// The ensemble's scores are the members' z-scores averaged per score, checked against each member loaded alone;
    /// the object score is then the mean of the members' object scores.
    func testScoresAreTheMeanOfTheMembersStandardisedScores() throws {
        let a = try member(seed: 1, statistics: statisticsA), b = try member(seed: 2, statistics: statisticsB)
        let path = dir + "/ensemble.safetensors"
        try EnsembleCheckpoint.write(members: [a, b], scoreSigma: 3, sigmaValidation: "0:0.9,3:0.95", to: path)
        let loaded = try ModelCheckpoint.loadForScoring(path)
        XCTAssertEqual(loaded.memberCount, 2)
        XCTAssertEqual(loaded.info.scoreSigma, 3)
        XCTAssertEqual(loaded.info.scoreSigmaValidation, "0:0.9,3:0.95")
        XCTAssertEqual(loaded.statistics.mean, [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(loaded.statistics.weights, [1, 1, 1, 1, 1, 0])

        let batch = Self.batch(count: 3)
        let single = [a, b].map { try! ModelCheckpoint.loadForScoring($0) }
        XCTAssertEqual(single.map(\.memberCount), [1, 1])
        let memberZ = try single.map { m in try m.scorer.scores(for: batch).map { m.statistics.standardize($0) } }
        let ensemble = try loaded.scorer.scores(for: batch).map { loaded.statistics.standardize($0) }
        XCTAssertEqual(ensemble.count, 3)
        for i in 0..<3 {
            for h in 0..<HeadScores.names.count {
                XCTAssertEqual(ensemble[i][h], (memberZ[0][i][h] + memberZ[1][i][h]) / 2, accuracy: 1e-5, "object \(i), \(HeadScores.names[h])")
            }
            // The members disagree, so the test would notice a member left out.
            XCTAssertNotEqual(memberZ[0][i][0], memberZ[1][i][0])
            let objectScore = ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: ensemble[i], weights: loaded.statistics.weights).score
            let memberScores = (0..<2).map { ScoredObject(frame: 0, box: PixelBox(x1: 0, y1: 0, x2: 1, y2: 1), heads: memberZ[$0][i], weights: single[$0].statistics.weights).score }
            XCTAssertEqual(objectScore, (memberScores[0] + memberScores[1]) / 2, accuracy: 1e-5)
        }

        // One member: exactly the member alone.
        let one = dir + "/one.safetensors"
        try EnsembleCheckpoint.write(members: [a], scoreSigma: nil, sigmaValidation: nil, to: one)
        let alone = try ModelCheckpoint.loadForScoring(one)
        XCTAssertNil(alone.info.scoreSigma)
        XCTAssertEqual(try alone.scorer.scores(for: batch).map { alone.statistics.standardize($0) }, memberZ[0])
    }

    /// With the tail calibration, each member's scores are calibrated by its own tails before they are averaged; a
    /// member calibrated by z-scores beside tail-calibrated ones is refused.
    func testTailCalibratedMembersAverageTheirCalibratedScores() throws {
        func tails(_ scale: Float) -> [ScoreTail] {
            (0..<5).map { h in ScoreTail(sample: (0..<200).map { Float(($0 * (h + 3)) % 101) * scale / 100 }) }
        }
        // Both members share their z statistics, so only their tails can make their calibrated scores differ.
        let mean = Array(statisticsA.mean.prefix(5)), std = Array(statisticsA.std.prefix(5))
        let tailsA = tails(1), tailsB = tails(0.5)
        let a = try member(seed: 1, statistics: HeadStatistics(mean: mean, std: std, tails: tailsA))
        let b = try member(seed: 2, statistics: HeadStatistics(mean: mean, std: std, tails: tailsB))
        let path = dir + "/ensemble.safetensors"
        try EnsembleCheckpoint.write(members: [a, b], scoreSigma: nil, sigmaValidation: nil, to: path)
        let loaded = try ModelCheckpoint.loadForScoring(path)
        let single = try [a, b].map { try ModelCheckpoint.loadForScoring($0) }
        XCTAssertEqual(single.map(\.statistics.calibration), [.tail, .tail])
        let batch = Self.batch(count: 3)
        // Each member's raw scores through its own tails, worked out here rather than by `standardize`.
        let memberC = try zip(single, [tailsA, tailsB]).map { m, tails in
            try m.scorer.scores(for: batch).map { raw in (0..<6).map { h in h < 5 ? tails[h].calibrate(raw.values[h]) : 0 } }
        }
        let ensemble = try loaded.scorer.scores(for: batch).map { loaded.statistics.standardize($0) }
        for i in 0..<3 {
            for h in 0..<HeadScores.names.count {
                XCTAssertEqual(ensemble[i][h], (memberC[0][i][h] + memberC[1][i][h]) / 2, accuracy: 1e-5, "object \(i), \(HeadScores.names[h])")
            }
        }
        let zMember = try member(seed: 3, statistics: statisticsA)
        let bad = dir + "/bad.safetensors"
        try EnsembleCheckpoint.write(members: [a, zMember], scoreSigma: nil, sigmaValidation: nil, to: bad)
        assertRefused(bad, saying: ["bad.safetensors member 2", "score calibration"])
    }

    /// The file is a plain safetensors file: every tensor and metadata key sits under its member's prefix.
    func testFileLayout() throws {
        let a = try member(seed: 1, statistics: statisticsA), b = try member(seed: 2, statistics: statisticsB)
        let path = dir + "/ensemble.safetensors"
        try EnsembleCheckpoint.write(members: [a, b], scoreSigma: 2, sigmaValidation: nil, to: path)
        let file = try Safetensors.read(path), memberFile = try Safetensors.read(b)
        XCTAssertEqual(file.metadata["format"], "ssmtl-ensemble-1")
        XCTAssertEqual(file.metadata["members"], "2")
        XCTAssertEqual(file.metadata["score_sigma"], "2.0")
        XCTAssertEqual(file.metadata["member2.seed"], "2")
        XCTAssertEqual(file.metadata["member1.seed"], "1")
        XCTAssertEqual(file.order.count, 2 * memberFile.order.count)
        XCTAssertEqual(file.tensors["member2.appearance.bank"]?.values, memberFile.tensors["appearance.bank"]?.values)
        XCTAssertEqual(file.tensors["member2.encoder.0.weight"]?.values, memberFile.tensors["encoder.0.weight"]?.values)
        XCTAssertNotEqual(file.tensors["member1.encoder.0.weight"]?.values, memberFile.tensors["encoder.0.weight"]?.values)
    }

    private func rewrite(_ path: String, to out: String, metadata edit: (inout [String: String]) -> Void,
                         dropping: (String) -> Bool = { _ in false }) throws {
        let file = try Safetensors.read(path)
        var metadata = file.metadata
        edit(&metadata)
        try Safetensors.write(file.order.filter { !dropping($0) }.map { file.tensors[$0]! }, metadata: metadata, to: out)
    }

    private func assertRefused(_ path: String, saying parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelCheckpoint.loadForScoring(path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), text, file: file, line: line)
            for part in parts { XCTAssertTrue(text.contains(part), "'\(part)' not in: \(text)", file: file, line: line) }
        }
    }

    /// Bad member counts, stray keys, a missing tensor, an unfinished member, members that would not score alike and
    /// a bad sigma are each refused, naming the file (and the member where one is at fault).
    func testMalformedEnsemblesAreRefused() throws {
        let a = try member(seed: 1, statistics: statisticsA), b = try member(seed: 2, statistics: statisticsB)
        let good = dir + "/ensemble.safetensors"
        try EnsembleCheckpoint.write(members: [a, b], scoreSigma: 2, sigmaValidation: nil, to: good)
        let bad = dir + "/bad.safetensors"

        for count in ["0", "x", "17"] {
            try rewrite(good, to: bad, metadata: { $0["members"] = count })
            assertRefused(bad, saying: ["bad.safetensors", "'members'"])
        }
        try rewrite(good, to: bad, metadata: { $0["members"] = "1" })   // member 2's keys now name no member
        assertRefused(bad, saying: ["bad.safetensors", "names no member of 1"])
        try rewrite(good, to: bad, metadata: { _ in }, dropping: { $0 == "member2.encoder.0.weight" })
        assertRefused(bad, saying: ["bad.safetensors member 2", "encoder.0.weight"])
        try rewrite(good, to: bad, metadata: { $0["member2.head_mean"] = nil; $0["member2.head_std"] = nil })
        assertRefused(bad, saying: ["bad.safetensors member 2", "no head statistics"])
        try rewrite(good, to: bad, metadata: { $0["member2.detector"] = "kind=yolo" })
        assertRefused(bad, saying: ["bad.safetensors member 2", "score alike"])
        try rewrite(good, to: bad, metadata: { $0["score_sigma"] = "-1" })
        assertRefused(bad, saying: ["bad.safetensors", "'score_sigma'"])

        // A member without the appearance score beside one with it, and members of other crop sizes.
        let noApp = try member(seed: 3, statistics: HeadStatistics(mean: [0.5, 0.4, 0.3, 0.01], std: [0.2, 0.1, 0.05, 0.004]))
        try EnsembleCheckpoint.write(members: [a, noApp], scoreSigma: nil, sigmaValidation: nil, to: bad)
        assertRefused(bad, saying: ["bad.safetensors member 2", "score alike"])
        let wide = try member(seed: 4, statistics: statisticsA, cropSize: 16)
        try EnsembleCheckpoint.write(members: [a, wide], scoreSigma: nil, sigmaValidation: nil, to: bad)
        assertRefused(bad, saying: ["bad.safetensors member 2", "score alike"])

        // An ensemble cannot be a member.
        XCTAssertThrowsError(try EnsembleCheckpoint.write(members: [good], scoreSigma: nil, sigmaValidation: nil, to: bad)) {
            XCTAssertTrue("\($0)".contains("ensemble.safetensors") && "\($0)".contains("cannot be an ensemble member"), "\($0)")
        }
        XCTAssertThrowsError(try EnsembleCheckpoint.write(members: [], scoreSigma: nil, sigmaValidation: nil, to: bad))
    }
}
