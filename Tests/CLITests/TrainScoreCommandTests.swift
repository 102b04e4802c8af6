import Foundation
import XCTest

/// Bad input to train and score: one error line naming the file, exit code 1, nothing half-written.
final class TrainScoreCommandTests: XCTestCase {
    func testScoreRefusesMissingAndCorruptModels() throws {
        let scratch = try CLI.scratchFolder()
        let clip = CLI.videoFixtures.appendingPathComponent("clip.mp4").path
        let garbage = scratch + "/garbage.safetensors"
        try Data("not a checkpoint at all".utf8).write(to: URL(fileURLWithPath: garbage))
        let truncated = scratch + "/truncated.safetensors"
        // A header that promises more data than the file has.
        var bytes = [UInt8](repeating: 0, count: 8)
        let header = Array(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#.utf8)
        bytes[0] = UInt8(header.count)
        try Data(bytes + header + [0, 0, 0, 0]).write(to: URL(fileURLWithPath: truncated))
        for (model, message) in [(scratch + "/missing.safetensors", "no such file"), (garbage, "safetensors"), (truncated, "")] {
            let out = scratch + "/scores-\(UUID().uuidString)"
            let result = try CLI.run(["score", clip, "--model", model, "--out", out, "--quiet"])
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(model), result.stderr)
            XCTAssertTrue(message.isEmpty || result.stderr.contains(message), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/clip.csv"))
        }
    }

    func testTrainRefusesAFolderWithoutVideosAndAMissingResumeCheckpoint() throws {
        let scratch = try CLI.scratchFolder()
        let empty = scratch + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        var result = try CLI.run(["train", empty, "--out", scratch + "/m.safetensors", "--quiet"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("no videos found"), result.stderr)

        let clip = CLI.videoFixtures.appendingPathComponent("clip.mp4").path
        result = try CLI.run(["train", clip, "--out", scratch + "/m.safetensors", "--resume", "--quiet"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("m.last.safetensors"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/m.safetensors"))
    }

    func testUsageErrors() throws {
        let result = try CLI.run(["train", "x", "--out", "m.safetensors", "--variant", "huge"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--variant"), result.stderr)
    }
}
