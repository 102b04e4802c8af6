import Foundation

extension TrainingRun {
    /// Self-distillation (spec §5, as AED-MAE does it without a pretrained teacher): with the kept main weights frozen,
    /// the student decoder learns to reproduce the middle-box decoder. Each student epoch is judged by the validation
    /// replays with its distillation score included (the validation discrepancy when none can be replayed), and the
    /// best student joins the kept checkpoint. A student that copies the decoder better is not necessarily one whose
    /// disagreement ranks abnormal objects better, hence the replays.
    func trainStudent(model: MultiTaskModel, info: inout CheckpointInfo) throws {
        guard info.studentEpoch < info.studentEpochsPlanned else { return }
        if info.studentEpoch == 0 {
            // From the best main weights (the last epoch's may be worse).
            let best = try ModelCheckpoint.loadWeights(modelPath, into: model)
            info.bestEpoch = best.bestEpoch
            info.bestValidationLoss = best.bestValidationLoss
            info.bestReplayAUC = best.bestReplayAUC
        }
        let replays = try options.epochChecks && replayableValidationVideoExists()
        let phase = StudentPhase(model: model)
        while info.studentEpoch < info.studentEpochsPlanned {
            let k = info.studentEpoch
            // Epoch numbers after the main ones keep the data order and crops independent of the main phase.
            let report = try runEpoch(options.epochs + k, phase: .student(epoch: k + 1, of: info.studentEpochsPlanned), model: phase,
                                      savedEpochs: info.epoch, learningRate: model.studentOptimizer.lr)
            info.studentEpoch = k + 1
            let loss = report.validation.objects > 0 ? report.validation.distillationLoss : report.train.distillationLoss
            model.studentTrained = true
            let replayAUC = replays ? try self.replayAUC(of: "student epoch \(k + 1)", model: model, savedEpochs: info.epoch,
                                                         fallback: "validation discrepancy") : nil
            info.studentReplayAUCs = Self.appending(to: info.studentReplayAUCs, epoch: k + 1, replayAUC: replayAUC)
            if EpochSelection.replacesBest(loss: loss, replayAUC: replayAUC, bestLoss: info.bestStudentLoss, bestReplayAUC: info.bestStudentReplayAUC) {
                info.bestStudentLoss = loss
                info.bestStudentReplayAUC = replayAUC
                info.bestStudentEpoch = k + 1
                try ModelCheckpoint.save(model, info: info, to: modelPath, includeOptimizer: false)
            }
            try ModelCheckpoint.save(model, info: info, to: lastPath, includeOptimizer: true)
        }
        if options.epochChecks && !replays {
            events(.warning("no validation video is long enough (\(PseudoAnomalies.minimumFrameCount()) frames) to replay; the student epochs were judged by their validation discrepancy"))
        }
    }
}
