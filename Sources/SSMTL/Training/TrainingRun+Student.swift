import Foundation
import NeuralNet

extension TrainingRun {
    /// Self-distillation (spec §5, as AED-MAE does it without a pretrained teacher): with the kept main weights frozen,
    /// the student decoder learns to reproduce the middle-box decoder. The student epoch with the lowest validation
    /// discrepancy joins the kept checkpoint.
    func trainStudent(model: MultiTaskModel, info: inout CheckpointInfo) throws {
        guard info.studentEpoch < info.studentEpochsPlanned else { return }
        if info.studentEpoch == 0 {
            // From the best main weights (the last epoch's may be worse), with the student as the training checkpoint
            // has it (untrained). The model file can already hold a trained student: a run killed after the first
            // student epoch saved the model file but before it saved the training checkpoint. Loading that student
            // would start the resumed epoch from it, and the model would differ from an uninterrupted run's.
            let studentTensors = model.net.studentParameters.map(\.value) + model.net.buffers.filter { $0.0.hasPrefix("student.") }.map(\.1)
            let untrained = studentTensors.map { Tensor(shape: $0.shape, values: $0.array) }
            let best = try ModelCheckpoint.loadWeights(modelPath, into: model)
            for (tensor, saved) in zip(studentTensors, untrained) { tensor.copy(from: saved) }
            model.studentTrained = false
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
