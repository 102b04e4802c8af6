import Foundation
import XCTest
import TestScratch
import VideoIO

/// Interrupting `ssmtl train` (Ctrl-C or kill -9) and resuming gives byte-identical checkpoints to an uninterrupted
/// run; a checkpoint that cannot be written (file-size limit standing in for a full disk) is an error that leaves
/// the previous checkpoints intact.
final class TrainInterruptTests: XCTestCase {
    /// Frame folders of two bright squares drifting right over a dark checkerboard: the motion detector finds them.
    static func makeVideos(in folder: String, count: Int = 2, frames: Int = 40) throws -> [String] {
        let width = 128, height = 64
        return try (0..<count).map { v in
            let dir = folder + "/video\(v)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for t in 0..<frames {
                var px = [UInt8](repeating: 0, count: width * height * 3)
                for y in 0..<height { for x in 0..<width {
                    let g = UInt8(30 + ((x / 8 + y / 8) % 2) * 10)
                    for c in 0..<3 { px[(y * width + x) * 3 + c] = g }
                }}
                for (k, (x0, y0)) in [(4 + 7 * v, 8), (30 + 5 * v, 38)].enumerated() {
                    for dy in 0..<14 { for dx in 0..<14 {
                        let x = x0 + 2 * t + dx, y = y0 + dy
                        guard x < width else { continue }
                        for c in 0..<3 { px[(y * width + x) * 3 + c] = dx < 3 ? 20 : UInt8(180 + 30 * k + 10 * c) }
                    }}
                }
                try ImageFile.write(Frame(index: t, width: width, height: height, layout: .rgb24, pixels: px),
                                    to: dir + String(format: "/%04d.png", t))
            }
            return dir
        }
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
    static let tiny = ["--crop-size", "16", "--encoder", "4,M,8,M", "--head-channels", "4", "--decoder-channels", "4",
                       "--batch", "8", "--shuffle-buffer", "16", "--threads", "1", "--quiet"]

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

    /// The cosine schedule is laid out over the planned epochs, so a killed run resumes at the right rate and gives
    /// the uninterrupted run's bytes; the schedule changes the weights (it is not ignored), a resume with the other
    /// schedule or another epoch count is refused with one line, and an unknown schedule is a usage error.
    func testCosineScheduleResumesExactlyAndIsCheckedOnResume() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try Self.makeVideos(in: scratch, count: 1, frames: 24)
        try checkKilledRunResumesExactly(videos, scratch: scratch, options: ["--epochs", "3", "--lr-schedule", "cosine", "--student-epochs", "0"],
                                         plain: ["--epochs", "3", "--lr-schedule", "constant", "--student-epochs", "0"], what: "the cosine schedule") { out in
            let otherSchedule = try CLI.run(["train"] + videos + ["--out", out, "--epochs", "3", "--lr-schedule", "constant",
                                                                  "--student-epochs", "0", "--resume"] + Self.tiny)
            XCTAssertEqual(otherSchedule.status, 1, otherSchedule.stderr)
            XCTAssertEqual(otherSchedule.stderrLines.count, 1, otherSchedule.stderr)
            XCTAssertTrue(otherSchedule.stderr.contains("lr schedule cosine"), otherSchedule.stderr)
            let otherLength = try CLI.run(["train"] + videos + ["--out", out, "--epochs", "5", "--lr-schedule", "cosine",
                                                                "--student-epochs", "0", "--resume"] + Self.tiny)
            XCTAssertEqual(otherLength.status, 1, otherLength.stderr)
            XCTAssertTrue(otherLength.stderr.contains("killed.last.safetensors") && otherLength.stderr.contains("--epochs 3"), otherLength.stderr)
        }
        let unknown = try CLI.run(["train"] + videos + ["--out", scratch + "/x.safetensors", "--lr-schedule", "step"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("--lr-schedule must be one of constant, cosine"), unknown.stderr)
    }

    /// With the weights averaged, a killed run resumes from the live weights and the average in `.last` and gives
    /// the uninterrupted run's bytes; averaging changes the kept weights; a resume with another decay is refused with
    /// one line, and a decay outside (0, 1) is a usage error.
    func testWeightAveragedRunResumesExactly() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try Self.makeVideos(in: scratch, count: 1, frames: 24)
        try checkKilledRunResumesExactly(videos, scratch: scratch, options: ["--epochs", "3", "--student-epochs", "0", "--ema-decay", "0.99"],
                                         plain: ["--epochs", "3", "--student-epochs", "0"], what: "averaging") { out in
            let otherDecay = try CLI.run(["train"] + videos + ["--out", out, "--epochs", "3", "--student-epochs", "0",
                                                               "--ema-decay", "0.9", "--resume"] + Self.tiny)
            XCTAssertEqual(otherDecay.status, 1, otherDecay.stderr)
            XCTAssertEqual(otherDecay.stderrLines.count, 1, otherDecay.stderr)
            XCTAssertTrue(otherDecay.stderr.contains("ema decay 0.99"), otherDecay.stderr)
        }
        for bad in ["1", "-0.5"] {
            let usage = try CLI.run(["train"] + videos + ["--out", scratch + "/x.safetensors", "--ema-decay=\(bad)"])
            XCTAssertEqual(usage.status, 64, usage.stderr)
            XCTAssertTrue(usage.stderr.contains("--ema-decay must be 0 (off) or lie in (0, 1)"), usage.stderr)
        }
    }

    /// Trains with `options` straight through, and with `plain` to check that `what` changes the weights at all; then
    /// kills a run with `options` after its first epoch (kill -9), lets `refusals` try resumes with other settings
    /// (given the killed run's output path), resumes it as started, and requires the straight run's bytes.
    private func checkKilledRunResumesExactly(_ videos: [String], scratch: String, options: [String], plain: [String], what: String,
                                              refusals: (String) throws -> Void) throws {
        let straight = scratch + "/straight.safetensors"
        let full = try CLI.run(["train"] + videos + ["--out", straight] + options + Self.tiny)
        XCTAssertEqual(full.status, 0, full.stderr)
        let reference = try XCTUnwrap(bytes(straight))
        let without = try CLI.run(["train"] + videos + ["--out", scratch + "/plain.safetensors"] + plain + Self.tiny)
        XCTAssertEqual(without.status, 0, without.stderr)
        XCTAssertNotEqual(bytes(scratch + "/plain.safetensors"), reference, "\(what) must change the trained weights")

        let out = scratch + "/killed.safetensors", last = scratch + "/killed.last.safetensors"
        let args = ["train"] + videos + ["--out", out] + options + Self.tiny
        _ = try trainAndSignal(args, watch: last, signal: SIGKILL)
        XCTAssertNotNil(bytes(last), "the checkpoint of the completed epoch survives")
        try refusals(out)
        let resumed = try CLI.run(args + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(bytes(out), reference, "kill -9 + --resume must give the uninterrupted run's checkpoint (\(what))")
    }

    func testACheckpointThatCannotBeWrittenLeavesTheOldOnesIntact() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try Self.makeVideos(in: scratch, count: 1, frames: 24)
        let out = scratch + "/m.safetensors", last = scratch + "/m.last.safetensors"
        // A constant learning rate and no student, so the run can be resumed with more epochs than it was started
        // with (a trained student would need --retrain-student).
        let args = ["train"] + videos + ["--out", out, "--lr-schedule", "constant", "--student-epochs", "0"] + Self.tiny
        let first = try CLI.run(args + ["--epochs", "1"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let (model, checkpoint) = (try XCTUnwrap(bytes(out)), try XCTUnwrap(bytes(last)))

        // A 4 kB file-size limit (ulimit -f) makes the next checkpoint write fail part-way, like a full disk.
        let limited = try CLI.run(args + ["--epochs", "2", "--resume"], fileSizeLimitKB: 4)
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
