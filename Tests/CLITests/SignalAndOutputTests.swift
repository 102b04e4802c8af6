import Foundation
import XCTest
import TestScratch

/// A signal that ends a command removes the output files it was writing (they are hidden temporaries until
/// renamed into place), and an output path that cannot be written is refused up front with one line.
final class SignalAndOutputTests: XCTestCase {
    /// Hidden temporaries (`.<name>.tmp-<pid>...`) anywhere under `folder`.
    private func temporaries(under folder: String) -> [String] {
        let all = FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []
        return all.filter { ($0 as NSString).lastPathComponent.contains(".tmp-") }
    }

    /// Waits until a temporary exists under `folder` (the command is in the middle of writing a file), then sends
    /// `signal` and checks that the process died of it, said so in one line, and left no temporary behind.
    private func interruptWhileWriting(_ arguments: [String], folder: String, signal: Int32,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let (process, _, stderr) = try CLI.start(arguments)
        let deadline = Date().addingTimeInterval(60)
        while temporaries(under: folder).isEmpty && process.isRunning && Date() < deadline { usleep(2_000) }
        guard process.isRunning, !temporaries(under: folder).isEmpty else {
            process.terminate()
            process.waitUntilExit()
            return XCTFail("the command ended (or wrote nothing) before it could be interrupted: \(stderr())", file: file, line: line)
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let message = stderr()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, message, file: file, line: line)
        XCTAssertEqual(process.terminationStatus, signal, message, file: file, line: line)
        XCTAssertTrue(message.hasSuffix("ssmtl: stopped by a signal; the unfinished output files were removed\n"), message, file: file, line: line)
        XCTAssertEqual(temporaries(under: folder), [], file: file, line: line)
    }

    func testCtrlCDuringSynthRemovesTheVideoBeingWritten() throws {
        let out = try makeScratchFolder("ssmtl-cli") + "/synth"
        try interruptWhileWriting(["synth", "--out", out, "--quiet"], folder: out, signal: SIGINT)
    }

    func testSIGTERMDuringScoreRemovesTheScoreFilesBeingWritten() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, _) = try TrainInterruptTests.trainTinyModel(in: scratch, studentEpochs: 0)
        // A long video so that scoring is still writing when the signal comes.
        let long = try TrainInterruptTests.makeVideos(in: scratch + "/long", count: 1, frames: 600)
        let out = scratch + "/scores"
        try interruptWhileWriting(["score", long[0], "--model", model, "--out", out, "--quiet", "--threads", "1"], folder: out, signal: SIGTERM)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/video0.csv"))
    }

    /// Output paths that cannot be written fail at once, in one line, instead of after the work (or as a dump of
    /// Foundation's error object).
    func testUnwritableOutputPathsAreRefusedUpFront() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let clip = CLI.videoFixtures.appendingPathComponent("clip.mp4").path
        let aFile = scratch + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: aFile))
        for (arguments, text) in [(["detect", clip, "--out", aFile], "a-file: the --out folder is a file, not a folder"),
                                  (["detect", clip, "--out", ""], "the --out folder is an empty path"),
                                  (["train", clip, "--out", ""], "--out is an empty path"),
                                  (["detect", clip, "--out", aFile + "/sub"], "cannot create the --out folder: \(aFile) is a file, not a folder"),
                                  (["detect", clip, "--out", scratch + "/d", "--overlay", aFile], "a-file: the --overlay folder is a file, not a folder"),
                                  (["train", clip, "--out", scratch], "--out names a folder; give a file name such as"),
                                  (["train", clip, "--out", aFile + "/m.safetensors"], "a-file: the folder of --out is a file, not a folder"),
                                  (["score", clip, "--model", scratch, "--out", scratch + "/s"], "is a folder, not a checkpoint file")] {
            let r = try CLI.run(arguments)
            XCTAssertEqual(r.status, 1, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ssmtl: error: ") && r.stderr.contains(text), "\(arguments): \(r.stderr)")
        }
    }

    /// FFmpeg's own log stays silent: a file that is not a picture gives our one line only.
    func testAFakeJPEGGivesOneLine() throws {
        let folder = try makeScratchFolder("ssmtl-cli") + "/frames"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data([0xFF, 0xD8] + [UInt8](repeating: 0x41, count: 200) + [0xFF, 0xD9]).write(to: URL(fileURLWithPath: folder + "/0.jpg"))
        let r = try CLI.run(["info", "--decode", folder])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines, ["ssmtl: error: \(folder)/0.jpg: not a valid .jpg image: Invalid data found when processing input"])
    }

    /// Sizes and counts that would only exhaust memory or threads are usage errors: one line, exit 64.
    func testAbsurdSizesAndCountsAreUsageErrors() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let clip = CLI.videoFixtures.appendingPathComponent("clip.mp4").path
        for (arguments, text) in [(["synth", "--out", scratch + "/s", "--width", "1000000"], "--width must lie in 96...4096"),
                                  (["synth", "--out", scratch + "/s", "--frames", "100000", "--width", "4096", "--height", "4096"], "must stay under 2e9"),
                                  (["info", clip, "--threads", "100000"], "--threads must lie in 0...256"),
                                  (["bench", "nn", "--iterations", "0"], "--iterations must be at least 1 (see 'ssmtl help bench nn')"),
                                  (["train", clip, "--out", scratch + "/m.safetensors", "--encoder", "16" + String(repeating: ",M", count: 63)],
                                   "the encoder has 63 pooling stages (M), at most 9"),
                                  (["train", clip, "--out", scratch + "/m.safetensors", "--head-channels", "100000000000"],
                                   "head and decoder channels must lie in 1...4096"),
                                  (["detect", clip, "--out", scratch + "/d", "--margin", "9223372036854775807"], "--margin must lie in 0...65536")] {
            let r = try CLI.run(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ssmtl: error: ") && r.stderr.contains(text), "\(arguments): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/s"))
    }
}
