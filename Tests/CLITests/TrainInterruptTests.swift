import Foundation
import XCTest
import TestScratch

/// Interrupting `ssmtl train` (Ctrl-C or kill -9) and resuming gives byte-identical checkpoints to an uninterrupted
/// run; a checkpoint that cannot be written (file-size limit standing in for a full disk) is an error that leaves
/// the previous checkpoints intact. (The training itself is tested in the library's tests: these are about the
/// process, its signals and its exit status.)
final class TrainInterruptTests: XCTestCase {
    static func makeVideos(in folder: String, count: Int = 2, frames: Int = 40) throws -> [String] {
        try TinyScene.makeVideos(in: folder, count: count, frames: frames)
    }

    /// Trains the tiny network for one epoch on `count` of the videos above, `frames` frames each, in `scratch`/train;
    /// the model is `scratch`/m.safetensors.
    static func trainTinyModel(in scratch: String, count: Int = 2, frames: Int = 24, studentEpochs: Int = 1, options: [String] = [],
                               file: StaticString = #filePath, line: UInt = #line) throws -> (model: String, videos: [String]) {
        let videos = try makeVideos(in: scratch + "/train", count: count, frames: frames)
        let model = scratch + "/m.safetensors"
        let r = try CLI.run(["train"] + videos + ["--out", model, "--epochs", "1", "--student-epochs", "\(studentEpochs)"] + tiny + options)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return (model, videos)
    }

    /// A tiny network so the debug binary trains an epoch in seconds.
    static let tiny = TinyScene.trainArguments

    private func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Starts `ssmtl train`, waits until `watch` exists, sends `signal`, and returns the exit status.
    private func trainAndSignal(_ arguments: [String], watch: String, signal: Int32) throws -> Int32 {
        let process = Process()
        process.executableURL = try CLI.executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: watch) && process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func testInterruptedAndResumedRunsEqualAnUninterruptedOne() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try Self.makeVideos(in: scratch)
        let epochs = ["--epochs", "3"]

        let straight = scratch + "/straight.safetensors"
        let full = try CLI.run(["train"] + videos + ["--out", straight] + epochs + Self.tiny)
        XCTAssertEqual(full.status, 0, full.stderr)
        let reference = try XCTUnwrap(bytes(straight))

        for (name, sig) in [("sigint", SIGINT), ("sigkill", SIGKILL)] {
            let out = scratch + "/\(name).safetensors", last = scratch + "/\(name).last.safetensors"
            let args = ["train"] + videos + ["--out", out] + epochs + Self.tiny
            let status = try trainAndSignal(args, watch: last, signal: sig)
            if sig == SIGINT {
                XCTAssertEqual(status, 130, "Ctrl-C: exit status 128 + SIGINT")
            }
            let kept = try XCTUnwrap(bytes(last), "the checkpoint of the completed epoch survives")
            XCTAssertGreaterThan(kept.count, 1000)
            let resumed = try CLI.run(args + ["--resume"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(bytes(out), reference, "\(name) + --resume must give the uninterrupted run's checkpoint")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "no temporary files left behind")
    }

    func testACheckpointThatCannotBeWrittenLeavesTheOldOnesIntact() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try Self.makeVideos(in: scratch, count: 1, frames: 24)
        let out = scratch + "/m.safetensors", last = scratch + "/m.last.safetensors"
        // Killed after its first epoch: the resume's second epoch is the first write under the limit.
        let args = ["train"] + videos + ["--out", out, "--epochs", "2", "--student-epochs", "0"] + Self.tiny
        _ = try trainAndSignal(args, watch: last, signal: SIGKILL)
        let (model, checkpoint) = (try XCTUnwrap(bytes(out)), try XCTUnwrap(bytes(last)))

        // A 4 kB file-size limit (ulimit -f) makes the next checkpoint write fail part-way, like a full disk.
        let limited = try CLI.run(args + ["--resume"], fileSizeLimitKB: 4)
        let message = limited.stderr
        XCTAssertEqual(limited.status, 1, message)
        let lines = message.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, message)
        XCTAssertTrue(message.contains("m.") && message.contains(".safetensors") && message.contains("too large"), message)
        XCTAssertEqual(bytes(out), model, "the best checkpoint is untouched")
        XCTAssertEqual(bytes(last), checkpoint, "the last complete checkpoint is untouched")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }
}
