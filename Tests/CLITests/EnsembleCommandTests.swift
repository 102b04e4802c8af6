import Foundation
import XCTest
import TestScratch

/// `ssmtl train --members K` trains K networks that are exactly the single models of seeds S, S+1, ... on the split
/// of seed S, writes them into one ensemble file that `ssmtl score` reads, and `--resume` reuses finished members.
final class EnsembleCommandTests: XCTestCase {
    private func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    private func objects(_ path: String) throws -> [[Double]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map { Double(String($0))! } }
    }

    func testMembersAreTheSingleModelsAndScoreTheirMean() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 3, frames: 24)
        let common = ["--epochs", "1", "--student-epochs", "1"] + TrainInterruptTests.tiny
        let ensemble = scratch + "/e.safetensors"
        var r = try CLI.run(["train"] + videos + ["--out", ensemble, "--members", "2", "--seed", "5"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        let first = scratch + "/e.member-1.safetensors", second = scratch + "/e.member-2.safetensors"
        for path in [ensemble, first, second, scratch + "/e.member-1.last.safetensors", scratch + "/e.member-2.last.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
        }

        // Member 2 is the single model of seed 6 trained on seed 5's validation split, byte for byte; without
        // --split-seed, seed 6 would choose its own split (checked by the header, which records the split seed).
        let single = scratch + "/s6.safetensors"
        r = try CLI.run(["train"] + videos + ["--out", single, "--seed", "6", "--split-seed", "5"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(bytes(single), bytes(second))
        XCTAssertNotEqual(bytes(first), bytes(second))
        let header = String(decoding: bytes(second)!.prefix(4096), as: UTF8.self)
        XCTAssertTrue(header.contains("\"split_seed\":\"5\"") && header.contains("\"seed\":\"6\""), header)

        // Scoring with the ensemble: every object's standardised scores are the mean of the members'.
        let scores = scratch + "/scores"
        var outputs: [String: [[Double]]] = [:]
        for (name, model) in [("e", ensemble), ("m1", first), ("m2", second)] {
            r = try CLI.run(["score", videos[0], "--model", model, "--out", scores + "/" + name, "--object-heads", "--quiet", "--threads", "1"])
            XCTAssertEqual(r.status, 0, r.stderr)
            outputs[name] = try objects(scores + "/\(name)/video0.objects.csv")
        }
        let e = outputs["e"]!, m1 = outputs["m1"]!, m2 = outputs["m2"]!
        XCTAssertGreaterThan(e.count, 10)
        XCTAssertEqual(e.count, m1.count)
        XCTAssertEqual(e.count, m2.count)
        var differ = false
        for i in e.indices {
            XCTAssertEqual(Array(e[i][0..<5]), Array(m1[i][0..<5]), "same boxes")
            for c in 5..<e[i].count {   // score, aot, mi, mb, kd, app, jig
                XCTAssertEqual(e[i][c], (m1[i][c] + m2[i][c]) / 2, accuracy: 2e-4, "object \(i), column \(c)")
                if abs(m1[i][c] - m2[i][c]) > 1e-3 { differ = true }
            }
        }
        XCTAssertTrue(differ, "the members should disagree somewhere")

        // --resume with every member finished trains nothing and writes the same ensemble.
        let before = bytes(ensemble)
        r = try CLI.run(["train"] + videos + ["--out", ensemble, "--members", "2", "--seed", "5", "--resume"]
                        + common.filter { $0 != "--quiet" })
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("member 1/2 (seed 5) is already trained") && r.stderr.contains("member 2/2 (seed 6) is already trained"), r.stderr)
        XCTAssertFalse(r.stderr.contains("epoch 1:"), r.stderr)
        XCTAssertEqual(bytes(ensemble), before)

        // --retrain-student trains every member's student again; with the same student options, the same ensemble.
        r = try CLI.run(["train"] + videos + ["--out", ensemble, "--members", "2", "--seed", "5", "--resume", "--retrain-student"]
                        + common.filter { $0 != "--quiet" })
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("member 1/2: retraining the student (1 student epoch discarded)")
                      && r.stderr.contains("member 2/2: retraining the student (1 student epoch discarded)"), r.stderr)
        XCTAssertEqual(bytes(ensemble), before)
        // It needs each member's training checkpoint: a member left with its final file only is refused, by name.
        try FileManager.default.removeItem(atPath: scratch + "/e.member-1.last.safetensors")
        r = try CLI.run(["train"] + videos + ["--out", ensemble, "--members", "2", "--seed", "5", "--resume", "--retrain-student"] + common)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("e.member-1.last.safetensors") && r.stderr.contains("--retrain-student needs"), r.stderr)
        XCTAssertEqual(bytes(ensemble), before)

        // A finished member trained with other settings is refused, naming it.
        r = try CLI.run(["train"] + videos + ["--out", ensemble, "--members", "2", "--seed", "5", "--resume",
                                              "--lr-schedule", "constant"] + common)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("e.member-1.safetensors") && r.stderr.contains("other settings"), r.stderr)
        XCTAssertEqual(bytes(ensemble), before)
    }

    /// An interrupted member is continued by --resume, and the result matches an uninterrupted run.
    func testResumeContinuesAnUnfinishedMember() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 3, frames: 24)
        let common = ["--student-epochs", "0", "--members", "2"] + TrainInterruptTests.tiny
        // Member 1 finished, member 2 stopped after its first epoch of two: its last checkpoint of a 1-epoch run
        // stands in for it (the constant schedule allows resuming with more epochs).
        let out = scratch + "/e.safetensors"
        var r = try CLI.run(["train"] + videos + ["--out", out, "--epochs", "1", "--lr-schedule", "constant"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        let straightConstant = scratch + "/sc.safetensors"
        r = try CLI.run(["train"] + videos + ["--out", straightConstant, "--epochs", "2", "--lr-schedule", "constant"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        try FileManager.default.removeItem(atPath: scratch + "/e.member-1.safetensors")
        try FileManager.default.removeItem(atPath: scratch + "/e.member-1.last.safetensors")
        try FileManager.default.copyItem(atPath: scratch + "/sc.member-1.safetensors", toPath: scratch + "/e.member-1.safetensors")
        r = try CLI.run(["train"] + videos + ["--out", out, "--epochs", "2", "--lr-schedule", "constant", "--resume"]
                        + common.filter { $0 != "--quiet" })
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("member 1/2 (seed 1) is already trained"), r.stderr)
        XCTAssertTrue(r.stderr.contains("member 2/2: resuming after epoch 1 of 2"), r.stderr)
        XCTAssertEqual(bytes(scratch + "/e.member-2.safetensors"), bytes(scratch + "/sc.member-2.safetensors"))
        XCTAssertEqual(bytes(out), bytes(straightConstant))
    }
}
