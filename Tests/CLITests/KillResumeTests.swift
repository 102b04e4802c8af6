import Foundation
import XCTest
import TestScratch

/// `ssmtl train` and `ssmtl score` killed with SIGKILL in chosen stages (the kill follows the progress line or the
/// file that marks the stage) and run again: the finished files equal an uninterrupted run's byte for byte, and no kill
/// leaves a partial output. The small version of Scripts/kill_resume.sh, which kills at 20 random moments.
final class KillResumeTests: XCTestCase {
    /// Runs the binary and kills it (SIGKILL) as soon as `ready(stderr so far)` holds; fails when the run ends first.
    /// Returns what it had printed.
    @discardableResult
    private func runAndKill(_ arguments: [String], when ready: (String) -> Bool, what: String,
                            file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let (process, stderrSoFar, finish) = try CLI.start(arguments)
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && !ready(stderrSoFar()) && Date() < deadline { usleep(1_000) }
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let text = finish()
        XCTAssertTrue(wasRunning && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
                      "the run ended before it could be killed \(what): \(text)", file: file, line: line)
        return text
    }

    private func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Visible files under `folder` (relative paths, sorted) and hidden temporaries.
    private func files(_ folder: String) -> (visible: [String], temporaries: [String]) {
        let all = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).sorted()
        let regular = all.filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &d) && !d.boolValue }
        return (regular.filter { !($0 as NSString).lastPathComponent.hasPrefix(".") },
                regular.filter { ($0 as NSString).lastPathComponent.contains(".tmp-") })
    }

    func testTrainKilledInThreeStagesResumesToTheUninterruptedModel() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        // 48 frames: the held-out video is long enough for the sigma calibration (41 frames).
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 2, frames: 48)
        let tiny = TinyScene.trainArguments.filter { $0 != "--quiet" }
        let common = ["train"] + videos + ["--epochs", "2", "--student-epochs", "1"] + tiny
        let reference = scratch + "/ref.safetensors"
        let straight = try CLI.run(common + ["--out", reference])
        XCTAssertEqual(straight.status, 0, straight.stderr)
        XCTAssertTrue(straight.stderr.contains("train: choosing the scoring sigma"), "the run calibrates sigma: \(straight.stderr)")
        XCTAssertTrue(straight.stderr.contains("train: scoring every training object once (96 frames of 2 videos)"),
                      "the statistics pass says what it scores: \(straight.stderr)")

        let model = scratch + "/m.safetensors", last = scratch + "/m.last.safetensors"
        let args = common + ["--out", model]
        /// The training checkpoint's metadata says `value` (the progress line of an epoch comes before its saves).
        func checkpointSays(_ value: String) -> Bool {
            guard let handle = FileHandle(forReadingAtPath: last) else { return false }
            defer { try? handle.close() }
            return String(decoding: handle.readData(ofLength: 65536), as: UTF8.self).contains(value)
        }
        // 1. In main epoch 2 (epoch 1 saved).
        try runAndKill(args, when: { $0.contains("epoch 1:") && checkpointSays("\"epoch\":\"1\"") }, what: "in epoch 2")
        XCTAssertTrue(checkpointSays("\"epoch\":\"1\""), "epoch 1's checkpoint")
        // 2. Once the student epoch is saved: in the statistics pass.
        try runAndKill(args + ["--resume"], when: { $0.contains("train: scoring every training object once") && checkpointSays("\"student_epoch\":\"1\"") },
                       what: "in the statistics pass")
        // 3. In the sigma calibration, the model file already written with the statistics.
        try runAndKill(args + ["--resume"], when: { $0.contains("train: choosing the scoring sigma") }, what: "in the sigma calibration")
        let resumed = try CLI.run(args + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(bytes(model), bytes(reference), "killed three times and resumed: the uninterrupted run's model")
        XCTAssertEqual(files(scratch).temporaries, [], "no temporary left once the run finished")
    }

    /// A kill between the first student epoch's two saves leaves a model file holding the trained student beside a
    /// training checkpoint without it. The resumed student epoch must start untrained, as the uninterrupted one did
    /// (it started from the model file's student and gave another model). The state is made without a kill: a run
    /// with no student epochs leaves the checkpoint, a resume with one student epoch the model file.
    func testAKillBetweenTheFirstStudentEpochsTwoSavesResumesToTheUninterruptedModel() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        let common = ["train"] + videos + ["--epochs", "1"] + TinyScene.trainArguments
        let reference = scratch + "/ref.safetensors"
        XCTAssertEqual(try CLI.run(common + ["--out", reference, "--student-epochs", "1"]).status, 0)
        let model = scratch + "/m.safetensors", last = scratch + "/m.last.safetensors"
        let first = try CLI.run(common + ["--out", model, "--student-epochs", "0"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let beforeStudent = try XCTUnwrap(bytes(last))
        let withStudent = try CLI.run(common + ["--out", model, "--student-epochs", "1", "--resume"])
        XCTAssertEqual(withStudent.status, 0, withStudent.stderr)
        XCTAssertEqual(bytes(model), bytes(reference))
        // The model file now holds the trained student; the checkpoint goes back to before the student epoch.
        try Data(beforeStudent).write(to: URL(fileURLWithPath: last))
        let again = try CLI.run(common + ["--out", model, "--student-epochs", "1", "--resume"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(bytes(model), bytes(reference), "the student epoch replayed from the untrained student")
    }

    func testScoreKilledThreeTimesLeavesOnlyWholeFilesAndFinishesLikeOneRun() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, _) = try TrainInterruptTests.trainTinyModel(in: scratch, studentEpochs: 0)
        let batch = try TinyScene.makeVideos(in: scratch + "/batch", count: 3, frames: 30)
        let folder = (batch[0] as NSString).deletingLastPathComponent
        func args(_ out: String) -> [String] {
            ["score", folder, "--model", model, "--out", out + "/scores", "--overlay", out + "/overlays", "--object-heads", "--npy", "--threads", "1"]
        }
        let reference = scratch + "/ref"
        let straight = try CLI.run(args(reference))
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let expected = files(reference).visible
        XCTAssertEqual(expected.count, 3 * 6 + 1, "\(expected)")  // csv, regions, events, objects, npy, overlay each; events.json

        let out = scratch + "/killed"
        /// Every file present is the uninterrupted run's, byte for byte.
        func checkWhole(_ moment: String) {
            for name in files(out).visible {
                XCTAssertEqual(bytes(out + "/" + name), bytes(reference + "/" + name), "\(name) after the kill \(moment)")
            }
        }
        func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: out + "/" + relative) }
        func temporary(in sub: String, of video: String) -> Bool {
            ((try? FileManager.default.contentsOfDirectory(atPath: out + "/" + sub)) ?? []).contains { $0.hasPrefix(".\(video).") && $0.contains(".tmp-") }
        }
        // 1. While video0's first file is being written.
        try runAndKill(args(out), when: { _ in temporary(in: "scores", of: "video0") }, what: "while writing video0")
        checkWhole("while writing video0")
        XCTAssertFalse(exists("scores/video0.csv"))
        // 2. Once video0 is done: in video1.
        try runAndKill(args(out), when: { _ in exists("scores/video0.csv") }, what: "in video1")
        checkWhole("in video1")
        // 3. While video2's overlay is being written (its score files are already in place).
        try runAndKill(args(out), when: { _ in temporary(in: "overlays", of: "video2") }, what: "while writing video2's overlay")
        checkWhole("while writing video2's overlay")
        XCTAssertFalse(exists("overlays/video2.mp4"))
        XCTAssertFalse(exists("scores/video2.csv"), "the frame scores come last: video2 is not counted as scored")

        let finished = try CLI.run(args(out))
        XCTAssertEqual(finished.status, 0, finished.stderr)
        XCTAssertEqual(files(out).visible, expected)
        checkWhole("after the final run")
        XCTAssertEqual(files(out).temporaries, [], "the killed runs' temporaries were removed")
    }
}
