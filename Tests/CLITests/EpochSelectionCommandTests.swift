import Foundation
import XCTest
import TestScratch

/// `ssmtl train --select-epoch replay` keeps the epoch whose weights give the highest frame AUC on the validation
/// videos' replays. Its per-epoch check must not change training: the epochs are those of `--select-epoch loss`.
final class EpochSelectionCommandTests: XCTestCase {
    private func replayAUCs(_ metadata: [String: String]) throws -> [(epoch: Int, auc: Double)] {
        let table = try XCTUnwrap(metadata["epoch_replay_auc"], "\(metadata)")
        return try table.split(separator: ",").map { pair in
            let parts = pair.split(separator: ":")
            XCTAssertEqual(parts.count, 2, table)
            return (try XCTUnwrap(Int(String(parts[0]))), try XCTUnwrap(Double(String(parts[1]))))
        }
    }

    /// Trains `videos` twice with `common`: with `--select-epoch loss` into `scratch/loss.safetensors`, and with the
    /// default (replay) into `scratch/replay.safetensors`. Both runs must succeed.
    private func trainByLossAndByDefault(_ videos: [String], _ common: [String], in scratch: String) throws
        -> (byLoss: String, byReplay: String, loss: CLIResult, replay: CLIResult) {
        let byLoss = scratch + "/loss.safetensors", byReplay = scratch + "/replay.safetensors"
        let loss = try CLI.run(["train"] + videos + ["--out", byLoss, "--select-epoch", "loss"] + common)
        XCTAssertEqual(loss.status, 0, loss.stderr)
        let replay = try CLI.run(["train"] + videos + ["--out", byReplay] + common)
        XCTAssertEqual(replay.status, 0, replay.stderr)
        return (byLoss, byReplay, loss, replay)
    }

    func testReplaySelectionKeepsTheBestReplayEpochOfTheSameTraining() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        // Three videos: one is held out (10%, at least one), and 64 frames are enough to replay it.
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 3, frames: 64)
        let common = ["--epochs", "3", "--student-epochs", "0", "--lr-schedule", "constant", "--lr", "0.01"]
            + TrainInterruptTests.tiny.filter { $0 != "--quiet" }
        let (byLoss, byReplay, lossRun, replayRun) = try trainByLossAndByDefault(videos, common, in: scratch)
        XCTAssertFalse(lossRun.stderr.contains("replay frame AUC"), lossRun.stderr)
        // replay is the default.
        var r = replayRun
        for epoch in 1...3 { XCTAssertTrue(r.stderr.contains("epoch \(epoch): replay frame AUC"), r.stderr) }

        // The same three epochs were trained: the last checkpoints hold the same tensors (weights and Adam state).
        let lastByLoss = try SafetensorsContents(scratch + "/loss.last.safetensors"), lastByReplay = try SafetensorsContents(scratch + "/replay.last.safetensors")
        XCTAssertEqual(lastByLoss.body, lastByReplay.body)
        XCTAssertNil(lastByLoss.metadata["epoch_replay_auc"])
        XCTAssertEqual(lastByLoss.metadata["epoch_selection"], "loss")

        // The kept epoch is the first with the highest replay AUC, and its value is recorded.
        let replay = try SafetensorsContents(byReplay).metadata
        XCTAssertEqual(replay["epoch_selection"], "replay")
        let aucs = try replayAUCs(replay)
        XCTAssertEqual(aucs.map(\.epoch), [1, 2, 3])
        for (_, auc) in aucs { XCTAssertTrue((0...1).contains(auc), "\(aucs)") }
        let best = aucs.first { $0.auc == aucs.map(\.auc).max()! }!
        XCTAssertEqual(replay["best_epoch"], "\(best.epoch)", "\(aucs)")
        let bestAUC = try XCTUnwrap(Double(replay["best_epoch_replay_auc"] ?? ""))
        XCTAssertEqual(bestAUC, best.auc, accuracy: 5e-5)
        // The run's last line names the kept epoch and both of its figures.
        XCTAssertTrue(r.stderr.contains(String(format: "train: best epoch %d (validation loss ", best.epoch))
                      && r.stderr.contains(String(format: ", replay frame AUC %.4f); head mean", bestAUC)), r.stderr)
        // The loss run kept its lowest-loss epoch; its model has no replay table.
        let loss = try SafetensorsContents(byLoss).metadata
        XCTAssertNil(loss["epoch_replay_auc"])
        XCTAssertNil(loss["best_epoch_replay_auc"])
        XCTAssertNotEqual(loss["best_epoch"], replay["best_epoch"], "the two rules must keep different epochs here, or this test cannot tell them apart")
        // Both finished with head statistics, a bank-backed appearance score and a chosen sigma.
        for metadata in [loss, replay] {
            XCTAssertNotNil(metadata["head_mean"])
            XCTAssertNotNil(metadata["score_sigma"])
        }

        // A resumed run carries the best AUC so far: stopping after epoch 2 and resuming gives the same model.
        let resumed = scratch + "/resumed.safetensors"
        r = try CLI.run(["train"] + videos + ["--out", resumed, "--select-epoch", "replay"]
                        + common.map { $0 == "3" ? "2" : $0 })
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try CLI.run(["train"] + videos + ["--out", resumed, "--select-epoch", "replay", "--resume"] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("resuming after epoch 2 of 3"), r.stderr)
        XCTAssertEqual(try SafetensorsContents(resumed).metadata, replay)
        XCTAssertEqual(try SafetensorsContents(resumed).body, try SafetensorsContents(byReplay).body)

        // Resuming with the other selection is refused, naming the file and the setting.
        r = try CLI.run(["train"] + videos + ["--out", byReplay, "--resume", "--select-epoch", "loss"] + common)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("replay.last.safetensors") && r.stderr.contains("epoch selection replay"), r.stderr)
        // An unknown selection is a usage error.
        r = try CLI.run(["train"] + videos + ["--out", scratch + "/x.safetensors", "--select-epoch", "accuracy"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--select-epoch must be one of loss, replay"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/x.safetensors"))
    }

    /// Validation videos too short to replay (41 frames) leave the choice to the validation loss, with one warning
    /// after the epochs (known before the first, so no per-epoch statistics pass is spent on them).
    func testShortValidationVideosFallBackToTheLoss() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 3, frames: 24)
        let common = ["--epochs", "2", "--student-epochs", "0", "--lr-schedule", "constant"] + TrainInterruptTests.tiny
        let (byLoss, byReplay, lossRun, r) = try trainByLossAndByDefault(videos, common, in: scratch)
        XCTAssertFalse(lossRun.stderr.contains("long enough"), lossRun.stderr)
        let warning = "train: warning: no validation video is long enough (41 frames) to replay; the epochs were judged by their validation loss"
        XCTAssertEqual(r.stderrLines.filter { $0 == warning }.count, 1, r.stderr)
        XCTAssertFalse(r.stderr.contains("replay frame AUC"), r.stderr)
        let replay = try SafetensorsContents(byReplay).metadata
        XCTAssertEqual(replay["epoch_replay_auc"], "1:n/a,2:n/a")
        XCTAssertNil(replay["best_epoch_replay_auc"])
        XCTAssertEqual(replay["best_epoch"], try SafetensorsContents(byLoss).metadata["best_epoch"])
        XCTAssertEqual(try SafetensorsContents(byReplay).body, try SafetensorsContents(byLoss).body)
    }
}
