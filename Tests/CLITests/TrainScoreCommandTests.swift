import Foundation
import XCTest
import TestScratch
import VideoIO

/// Bad input to train and score: one error line naming the file, exit code 1, nothing half-written.
final class TrainScoreCommandTests: XCTestCase {
    func testScoreRefusesMissingAndCorruptModels() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
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
        let scratch = try makeScratchFolder("ssmtl-cli")
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

        // COCO appearance weights that are missing, or not a YOLOv3-tiny file.
        let missing = scratch + "/none.weights"
        result = try CLI.run(["train", clip, "--out", scratch + "/m.safetensors", "--appearance-weights", missing, "--quiet"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains(missing) && result.stderr.contains("Scripts/fetch_models.sh"), result.stderr)
        let other = scratch + "/other.weights"
        try Data(count: 20 + 4 * 1000).write(to: URL(fileURLWithPath: other))
        result = try CLI.run(["train", clip, "--out", scratch + "/m.safetensors", "--appearance-weights", other, "--quiet"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains(other) && result.stderr.contains("too short"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/m.safetensors"))
    }

    /// Videos in which the detector finds nothing, and a corrupt checkpoint to resume from: one line, exit 1,
    /// the corrupt file left as it was.
    func testTrainWithoutObjectsAndWithACorruptResumeCheckpoint() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let still = scratch + "/still"
        try FileManager.default.createDirectory(atPath: still, withIntermediateDirectories: true)
        let grey = [UInt8](repeating: 90, count: 64 * 48 * 3)
        for i in 0..<12 {
            try ImageFile.write(Frame(index: i, width: 64, height: 48, layout: .rgb24, pixels: grey), to: still + String(format: "/%03d.png", i))
        }
        var result = try CLI.run(["train", still, "--out", scratch + "/m.safetensors", "--epochs", "1"] + TrainInterruptTests.tiny)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("no objects were detected"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/m.safetensors"))

        let last = scratch + "/n.last.safetensors"
        let garbage = Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try garbage.write(to: URL(fileURLWithPath: last))
        result = try CLI.run(["train", still, "--out", scratch + "/n.safetensors", "--resume"] + TrainInterruptTests.tiny)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("n.last.safetensors"), result.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: last), garbage)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/n.safetensors"))
    }

    /// Without the option, train takes the COCO appearance features when the installation's Models/yolov3-tiny.weights
    /// is there (Scripts/fetch_models.sh; Scripts/test.sh fetches it), and the network's own with `none`.
    func testTrainTakesTheFetchedCocoWeightsByDefault() throws {
        let weights = CLI.packageRoot.appendingPathComponent("Models/yolov3-tiny.weights")
        guard FileManager.default.fileExists(atPath: weights.path) else {
            throw XCTSkip("\(weights.path) is missing: Scripts/fetch_models.sh fetches it (Scripts/test.sh runs it)")
        }
        let scratch = try makeScratchFolder("ssmtl-cli-coco")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        func metadata(_ model: String) throws -> [String: String] {
            // safetensors: an 8-byte little-endian header length, then the JSON header with __metadata__.
            let data = try Data(contentsOf: URL(fileURLWithPath: model))
            let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any]
            return header?["__metadata__"] as? [String: String] ?? [:]
        }
        let common = ["--epochs", "1", "--student-epochs", "0"] + TinyScene.trainArguments
        var result = try CLI.run(["train"] + videos + ["--out", scratch + "/a.safetensors"] + common)
        XCTAssertEqual(result.status, 0, result.stderr)
        var m = try metadata(scratch + "/a.safetensors")
        XCTAssertEqual(m["appearance_features"], "yolov3-tiny-coco")
        XCTAssertEqual(m["appearance_weights"].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path },
                       weights.resolvingSymlinksInPath().path)
        result = try CLI.run(["train"] + videos + ["--out", scratch + "/b.safetensors", "--appearance-weights", "none"] + common)
        XCTAssertEqual(result.status, 0, result.stderr)
        m = try metadata(scratch + "/b.safetensors")
        XCTAssertNil(m["appearance_features"])
        XCTAssertNotNil(m["head_mean"], "a finished model")
        // COCO weights given to score a model with the network's own features: a warning, and the scores.
        result = try CLI.run(["score", videos[0], "--model", scratch + "/b.safetensors", "--out", scratch + "/scores",
                              "--appearance-weights", weights.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("--appearance-weights \(weights.path) is not used"), result.stderr)
        let video = URL(fileURLWithPath: videos[0]).deletingPathExtension().lastPathComponent
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/scores/\(video).csv"))
    }

    func testUsageErrors() throws {
        let result = try CLI.run(["train", "x", "--out", "m.safetensors", "--variant", "huge"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--variant"), result.stderr)
    }
}
