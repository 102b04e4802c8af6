import Foundation

extension TrainingRun {
    /// Self-distillation (spec §5, as AED-MAE does it without a pretrained teacher): with the kept main weights frozen,
    /// the student decoder learns to reproduce the middle-box decoder. The student epoch with the lowest validation
    /// discrepancy joins the kept checkpoint.
    func trainStudent(model: MultiTaskModel, info: inout CheckpointInfo) throws {
        guard info.studentEpoch < info.studentEpochsPlanned else { return }
        if info.studentEpoch == 0 {
            // From the best main weights (the last epoch's may be worse).
            let best = try ModelCheckpoint.loadWeights(modelPath, into: model)
            info.bestEpoch = best.bestEpoch
            info.bestValidationLoss = best.bestValidationLoss
        }
        let phase = StudentPhase(model: model)
        while info.studentEpoch < info.studentEpochsPlanned {
            let k = info.studentEpoch
            // Epoch numbers after the main ones keep the data order and crops independent of the main phase.
            let report = try runEpoch(options.epochs + k, phase: .student(epoch: k + 1, of: info.studentEpochsPlanned), model: phase,
                                      savedEpochs: info.epoch, learningRate: model.studentOptimizer.lr)
            info.studentEpoch = k + 1
            let loss = report.validation.objects > 0 ? report.validation.distillationLoss : report.train.distillationLoss
            model.studentTrained = true
            if loss < info.bestStudentLoss {
                info.bestStudentLoss = loss
                info.bestStudentEpoch = k + 1
                try ModelCheckpoint.save(model, info: info, to: modelPath, includeOptimizer: false)
            }
            try ModelCheckpoint.save(model, info: info, to: lastPath, includeOptimizer: true)
        }
    }
}
