import Foundation
import SSMTL

/// Prints a training run's events: a progress bar per epoch on a terminal, one line per finished epoch and final
/// step on stderr. Warnings are printed even with --quiet.
final class TrainProgress {
    private let quiet: Bool, timings: Bool
    private var bar: ProgressBar?

    init(quiet: Bool, timings: Bool) { self.quiet = quiet; self.timings = timings }

    func report(_ event: TrainingEvent) {
        switch event {
        case .started(let start):
            if let epoch = start.resumedAfterEpoch { note("train: resuming after epoch \(epoch) of \(start.epochs)") }
            note("train: \(start.videos) videos, validation: \(start.validation)")
        case .epochStarted(let phase):
            bar = ProgressBar(phase.barLabel, total: nil, unit: "objects", quiet: quiet)
        case .batchTrained(let phase, let objects, let running):
            guard let bar else { return }
            switch phase {
            case .main: bar.detail = String(format: "aot %.3f mi %.3f mb %.4f kd %.4f", running.aotLoss, running.miLoss, running.middleBoxLoss, running.distillationLoss)
            case .student: bar.detail = String(format: "student L1 %.4f", running.distillationLoss)
            }
            bar.advance(to: objects)
        case .epochFinished(let r):
            finishBar()
            note(Self.line(r))
        case .statisticsStarted(let videos, let frames):
            // A finished run resumed has detected nothing yet: its frame count is unknown (0) until the pass ends.
            let named = "\(videos) video\(videos == 1 ? "" : "s")"
            let extent = frames > 0 ? "\(frames) frames of \(named)" : named
            note("train: scoring every training object once (\(extent)) for the heads' normal spread and the appearance bank")
            bar = ProgressBar("statistics", total: frames > 0 ? frames : nil, unit: "frames", quiet: quiet)
        case .statisticsProgress(let frames):
            bar?.advance(to: frames)
        case .appearanceBank(let entries, let offered, let dimension, let mean, let std):
            finishBar()
            note("train: appearance bank of \(entries) of \(offered) training objects (\(dimension) features each); normal nearest distance "
                 + String(format: "%.4f ± %.4f", mean, std))
        case .sigmaChosen(let sigma, let table, let frames):
            note("train: scoring sigma \(sigma.formatted()) (pseudo-anomaly frame AUC by sigma: \(table); \(frames) frames)")
        case .warning(let text):
            finishBar()
            Terminal.note("train: warning: \(text)")
        case .note(let text):
            finishBar()
            note("train: \(text)")
        case .finished(let t):
            guard timings else { return }
            let s = t.stages
            let parts = [("main_epochs", t.mainEpochs), ("student_epochs", t.studentEpochs),
                         ("statistics", t.statistics), ("sigma", t.sigma), ("threshold", t.threshold), ("total", t.total), ("network_train", s.train),
                         ("network_validate", s.validate), ("waiting_for_data", s.waitingForData), ("decode", s.decode),
                         ("detect", s.detect), ("crop", s.crop), ("assemble", s.assemble)]
            print("timings_s " + parts.map { String(format: "%@=%.1f", $0.0, $0.1) }.joined(separator: " "))
        }
    }

    /// The run's last line: what was kept and where it was written.
    func finished(_ info: CheckpointInfo, path: String) {
        var line = "train: best epoch \(info.bestEpoch) (" + String(format: "validation loss %.4f", info.bestValidationLoss) + ")"
        if info.bestStudentEpoch > 0 {
            line += String(format: "; student epoch %d of %d (validation L1 %.5f)", info.bestStudentEpoch, info.studentEpoch, info.bestStudentLoss)
        }
        if let statistics = info.headStatistics {
            line += "; head mean \(statistics.mean), std \(statistics.std) (\(info.headStatisticsObjects ?? ""))"
        }
        note(line + "; wrote \(path)")
    }

    func interrupted() { finishBar() }

    private func finishBar() {
        bar?.finish()
        bar = nil
    }

    private func note(_ text: String) { Terminal.note(text, quiet: quiet) }

    static func line(_ r: EpochReport) -> String {
        switch r.phase {
        case .main(let epoch, _):
            return String(format: "epoch %d: train loss %.4f (aot %.3f mi %.3f mb %.4f kd %.4f) | validation loss %.4f, aot acc %.3f, mi acc %.3f, %d objects | %.0f s, %.1f objects/s, lr %.3g",
                          epoch, r.train.total, r.train.aotLoss, r.train.miLoss, r.train.middleBoxLoss, r.train.distillationLoss,
                          r.validationLoss, r.validation.aotAccuracy, r.validation.miAccuracy, r.validation.objects, r.seconds,
                          Double(r.train.objects) / max(r.seconds, 1e-9), Double(r.learningRate))
        case .student(let epoch, _):
            let loss = r.validation.objects > 0 ? r.validation.distillationLoss : r.train.distillationLoss
            return String(format: "student epoch %d: train L1 %.5f | validation L1 %.5f | %.0f s", epoch, r.train.distillationLoss, loss, r.seconds)
        }
    }
}

extension TrainingPhase {
    var barLabel: String {
        switch self {
        case .main(let epoch, let of): return "epoch \(epoch)/\(of)"
        case .student(let epoch, let of): return "student \(epoch)/\(of)"
        }
    }
}
