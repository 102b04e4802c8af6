import Foundation
import XCTest
import TestScratch

/// `ssmtl train --select-student` (which student epoch is kept) and `--retrain-student` (the student trained again on
/// a finished run's main weights).
final class StudentSelectionCommandTests: XCTestCase {
    private func students(_ tensors: [String: Data]) -> [String: Data] { tensors.filter { $0.key.hasPrefix("student.") } }
    private func mains(_ tensors: [String: Data]) -> [String: Data] { tensors.filter { !$0.key.hasPrefix("student.") } }

    private func copy(_ stem: String, to other: String) throws {
        for suffix in [".safetensors", ".last.safetensors"] {
            try FileManager.default.copyItem(atPath: stem + suffix, toPath: other + suffix)
        }
    }

    /// Settings of every run (three 64-frame videos: one is held out, long enough to replay): `common` keeps the
    /// student by its loss, `byReplayRule` by the replays (train's default).
    private let shared = ["--epochs", "2", "--lr-schedule", "constant", "--lr", "0.01", "--select-epoch", "loss"]
        + TrainInterruptTests.tiny.filter { $0 != "--quiet" }
    private var common: [String] { shared + ["--select-student", "loss"] }
    private var byReplayRule: [String] { shared }

    func testRetrainingTheStudentOfAFinishedRunReproducesAFreshStudent() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 3, frames: 64)
        let fresh = scratch + "/fresh"
        var r = try CLI.run(["train"] + videos + ["--out", fresh + ".safetensors", "--student-epochs", "2"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        let freshModel = try SafetensorsContents(fresh + ".safetensors")
        XCTAssertEqual(freshModel.metadata["student_selection"], "loss")
        XCTAssertFalse(students(freshModel.tensors).isEmpty)

        // The same student epochs again on the finished run: the same student, byte for byte, and the same model.
        let again = scratch + "/again"
        try copy(fresh, to: again)
        r = try CLI.run(["train"] + videos + ["--out", again + ".safetensors", "--student-epochs", "2", "--resume", "--retrain-student"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("retraining the student (2 student epochs discarded)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("student epoch 1: train L1") && r.stderr.contains("student epoch 2: train L1"), r.stderr)
        let againModel = try SafetensorsContents(again + ".safetensors")
        XCTAssertEqual(againModel.tensors, freshModel.tensors)
        XCTAssertEqual(againModel.metadata["best_student_epoch"], freshModel.metadata["best_student_epoch"])
        XCTAssertEqual(againModel.metadata["best_student_loss"], freshModel.metadata["best_student_loss"])

        // One student epoch instead: another student on the same main weights.
        let shorter = scratch + "/shorter"
        try copy(fresh, to: shorter)
        r = try CLI.run(["train"] + videos + ["--out", shorter + ".safetensors", "--student-epochs", "1", "--resume", "--retrain-student"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        let shorterModel = try SafetensorsContents(shorter + ".safetensors")
        XCTAssertEqual(mains(shorterModel.tensors), mains(freshModel.tensors))
        XCTAssertNotEqual(students(shorterModel.tensors), students(freshModel.tensors))
        XCTAssertEqual(shorterModel.metadata["student_epoch"], "1")
        XCTAssertEqual(shorterModel.metadata["best_student_epoch"], "1")
        // ... which is what a fresh run with one student epoch trains.
        let oneEpoch = scratch + "/one"
        r = try CLI.run(["train"] + videos + ["--out", oneEpoch + ".safetensors", "--student-epochs", "1"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try SafetensorsContents(oneEpoch + ".safetensors").tensors, shorterModel.tensors)
        // The retrained student goes on with a plain --resume: one more epoch gives the two-epoch run's model.
        r = try CLI.run(["train"] + videos + ["--out", shorter + ".safetensors", "--student-epochs", "2", "--resume"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("retraining"), r.stderr)
        XCTAssertEqual(try SafetensorsContents(shorter + ".safetensors").tensors, freshModel.tensors)
        // More main epochs on a finished run would leave its student behind the kept decoder: refused without the flag.
        r = try CLI.run(["train"] + videos + ["--out", shorter + ".safetensors", "--student-epochs", "2", "--resume"]
                        + common.map { $0 == "2" ? "3" : $0 })
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("shorter.last.safetensors") && r.stderr.contains("more main epochs need --retrain-student"), r.stderr)

        // Without --resume the flag is a usage error, and nothing is written.
        r = try CLI.run(["train"] + videos + ["--out", scratch + "/x.safetensors", "--retrain-student"] + common)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("--retrain-student needs --resume"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/x.safetensors"))
        r = try CLI.run(["train"] + videos + ["--out", scratch + "/x.safetensors", "--select-student", "accuracy"] + shared)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("--select-student must be one of loss, replay"), r.stderr)
        // A retrain needs a student to train.
        r = try CLI.run(["train"] + videos + ["--out", again + ".safetensors", "--student-epochs", "0", "--resume", "--retrain-student"] + common)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("--retrain-student needs --student-epochs 1 or more"), r.stderr)
    }

    func testReplaySelectionOfTheStudentKeepsTheBestReplayStudentOfTheSameTraining() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 3, frames: 64)
        let byLoss = scratch + "/loss", byReplay = scratch + "/replay"
        var r = try CLI.run(["train"] + videos + ["--out", byLoss + ".safetensors", "--student-epochs", "3"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("replay frame AUC"), r.stderr)
        r = try CLI.run(["train"] + videos + ["--out", byReplay + ".safetensors", "--student-epochs", "3"] + byReplayRule)
        XCTAssertEqual(r.status, 0, r.stderr)
        for k in 1...3 { XCTAssertTrue(r.stderr.contains("student epoch \(k): replay frame AUC"), r.stderr) }
        // The main epochs were judged by their loss, as asked: no main replay check.
        XCTAssertFalse(r.stderr.contains("\nepoch 1: replay frame AUC"), r.stderr)

        // The checks change no training: the last checkpoints (weights and both Adam states) are the same.
        XCTAssertEqual(try SafetensorsContents(byLoss + ".last.safetensors").tensors, try SafetensorsContents(byReplay + ".last.safetensors").tensors)

        // The kept student epoch is the first with the highest replay AUC, and its value is recorded.
        let replay = try SafetensorsContents(byReplay + ".safetensors")
        XCTAssertEqual(replay.metadata["student_selection"], "replay")
        let table = try XCTUnwrap(replay.metadata["student_replay_auc"])
        let aucs = try table.split(separator: ",").map { pair -> (Int, Double) in
            let parts = pair.split(separator: ":")
            return (try XCTUnwrap(Int(String(parts[0]))), try XCTUnwrap(Double(String(parts[1]))))
        }
        XCTAssertEqual(aucs.map(\.0), [1, 2, 3], table)
        for (_, auc) in aucs { XCTAssertTrue((0...1).contains(auc), table) }
        // The table is rounded to 4 decimals; the kept value is not.
        let bestAUC = try XCTUnwrap(Double(replay.metadata["best_student_replay_auc"] ?? ""))
        let bestEpoch = try XCTUnwrap(Int(replay.metadata["best_student_epoch"] ?? ""))
        XCTAssertEqual(aucs[bestEpoch - 1].1, bestAUC, accuracy: 5e-5, table)
        for (_, auc) in aucs { XCTAssertLessThanOrEqual(auc, bestAUC + 5e-5, table) }
        XCTAssertTrue(r.stderr.contains(String(format: "; student epoch %d of 3 (validation L1 ", bestEpoch))
                      && r.stderr.contains(String(format: ", replay frame AUC %.4f); head mean", bestAUC)), r.stderr)
        // The loss run kept its lowest-discrepancy student and has no student replay table; both have the same main
        // weights, and the kept student is the one of the epoch each rule chose.
        let loss = try SafetensorsContents(byLoss + ".safetensors")
        XCTAssertNil(loss.metadata["student_replay_auc"])
        XCTAssertNil(loss.metadata["best_student_replay_auc"])
        XCTAssertEqual(mains(loss.tensors), mains(replay.tensors))
        if loss.metadata["best_student_epoch"] == replay.metadata["best_student_epoch"] {
            XCTAssertEqual(students(loss.tensors), students(replay.tensors))
        } else {
            XCTAssertNotEqual(students(loss.tensors), students(replay.tensors))
        }

        // Retrained with the loss rule, the replay model becomes the loss run's, its replay figures gone.
        let relearnt = scratch + "/relearnt"
        try copy(byReplay, to: relearnt)
        r = try CLI.run(["train"] + videos + ["--out", relearnt + ".safetensors", "--student-epochs", "3", "--resume", "--retrain-student"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        let relearntModel = try SafetensorsContents(relearnt + ".safetensors")
        XCTAssertEqual(relearntModel.tensors, loss.tensors)
        XCTAssertEqual(relearntModel.metadata["student_selection"], "loss")
        XCTAssertNil(relearntModel.metadata["student_replay_auc"])
        XCTAssertNil(relearntModel.metadata["best_student_replay_auc"])
        XCTAssertEqual(relearntModel.metadata["best_student_epoch"], loss.metadata["best_student_epoch"])

        // A student whose run ended part-way (one of three epochs) is continued only with the selection it was chosen by.
        let partial = scratch + "/partial"
        r = try CLI.run(["train"] + videos + ["--out", partial + ".safetensors", "--student-epochs", "1"] + byReplayRule)
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try CLI.run(["train"] + videos + ["--out", partial + ".safetensors", "--student-epochs", "3", "--resume"] + common)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("partial.last.safetensors") && r.stderr.contains("--select-student replay"), r.stderr)
        // With the same selection, the two further student epochs give the uninterrupted run's model.
        r = try CLI.run(["train"] + videos + ["--out", partial + ".safetensors", "--student-epochs", "3", "--resume"] + byReplayRule)
        XCTAssertEqual(r.status, 0, r.stderr)
        let continued = try SafetensorsContents(partial + ".safetensors")
        XCTAssertEqual(continued.tensors, replay.tensors)
        XCTAssertEqual(continued.metadata["student_replay_auc"], table)
        XCTAssertEqual(continued.metadata["best_student_epoch"], replay.metadata["best_student_epoch"])
    }
}
