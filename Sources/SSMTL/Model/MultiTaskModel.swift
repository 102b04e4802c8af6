import Foundation
import NeuralNet

/// The multi-task network seen by the pipeline: training steps and validation on `TrainingBatch`es, and raw
/// head scores of detected objects at test time. Owns the network, the Adam state and the reusable tensors.
public final class MultiTaskModel: TrainableModel, ObjectScorer {
    public let net: MultiTaskNet
    public let optimizer: Adam
    /// Width of the external teacher (YOLO class probabilities); 0 = no external teacher (motion detector):
    /// the distillation head is then not trained and scores with the student decoder instead.
    public let teacherWidth: Int
    /// Adam over the student decoder (self-distillation phase).
    public let studentOptimizer: Adam
    /// True once the student has been trained: the distillation score is then the teacher-student discrepancy.
    public var studentTrained = false
    /// Appearance features of the training objects (the fifth score); nil in checkpoints written before it, or when
    /// too few training videos were seen to measure its normal spread.
    public var appearanceBank: AppearanceBank?
    /// While set, the appearance features of every object scored are handed to it (train's statistics pass).
    public var appearanceSampler: AppearanceSampler?
    /// Where the appearance features come from: COCO YOLOv3-tiny's first layers on the centre crop, or when nil the
    /// network's own encoder map (`appearanceFeatures`).
    public var pretrainedAppearance: PretrainedAppearance?
    /// Self-distillation replaces the external teacher when there is none.
    public var selfDistillation: Bool { teacherWidth == 0 }

    public var cropSide: Int { net.config.cropSize }

    public convenience init(variant: Variant, teacherWidth: Int, learningRate: Float, seed: UInt64) {
        self.init(config: NetworkConfig(variant: variant), teacherWidth: teacherWidth, learningRate: learningRate, seed: seed)
    }

    /// `config` gives the architecture; its teacher width and distillation weight are set from `teacherWidth`.
    public init(config base: NetworkConfig, teacherWidth: Int, learningRate: Float, seed: UInt64) {
        var config = base
        config.teacherWidth = max(teacherWidth, 1)
        config.distillationWeight = teacherWidth > 0 ? 1 : 0
        net = MultiTaskNet(config: config, seed: seed)
        optimizer = Adam(params: net.parameters, lr: learningRate)
        studentOptimizer = Adam(params: net.studentParameters, lr: learningRate)
        self.teacherWidth = teacherWidth
    }

    // MARK: - Training

    /// Input tensors of training and validation steps, reused from batch to batch.
    private var batchSequence: Tensor?, batchMiddleInput: Tensor?, batchMiddleTarget: Tensor?, batchTeacher: Tensor?

    private func networkBatch(_ batch: TrainingBatch) -> MultiTaskBatch {
        let n = batch.count, s = batch.side
        let width = net.config.teacherWidth
        var teacher = [Float](repeating: 0, count: n * width)
        if batch.teacherWidth > 0 {
            for i in 0..<n { for k in 0..<min(width, batch.teacherWidth) { teacher[i * width + k] = batch.teacher[i * batch.teacherWidth + k] } }
        }
        return MultiTaskBatch(
            sequence: reuse(&batchSequence, [n, 3, 7, s, s], batch.sequence),
            middleInput: reuse(&batchMiddleInput, [n, 3, 6, s, s], batch.middleInput),
            middleTarget: reuse(&batchMiddleTarget, [n, 3, s, s], batch.middleTarget),
            teacher: reuse(&batchTeacher, [n, width], teacher),
            aotLabels: batch.aotLabels.map(Int32.init), miLabels: batch.miLabels.map(Int32.init))
    }

    private func metrics(_ out: MultiTaskOutput, _ losses: MultiTaskLosses, _ batch: TrainingBatch) -> TaskMetrics {
        var m = TaskMetrics()
        m.objects = batch.count
        m.aotLoss = Double(losses.aot)
        m.miLoss = Double(losses.mi)
        m.middleBoxLoss = Double(losses.mb)
        m.distillationLoss = teacherWidth > 0 ? Double(losses.kd) : 0
        let a = out.aotLogits, b = out.miLogits
        m.aotAccuracy = Double((0..<batch.count).filter { (a[2 * $0 + 1] > a[2 * $0] ? 1 : 0) == batch.aotLabels[$0] }.count) / Double(batch.count)
        m.miAccuracy = Double((0..<batch.count).filter { (b[2 * $0 + 1] > b[2 * $0] ? 1 : 0) == batch.miLabels[$0] }.count) / Double(batch.count)
        return m
    }

    public func trainStep(_ batch: TrainingBatch) throws -> TaskMetrics {
        let b = networkBatch(batch)
        zeroGrad(net.parameters)
        let out = net.forward(sequence: b.sequence, middleInput: b.middleInput, training: true)
        let losses = net.losses(out, b)
        let m = metrics(out, losses, batch)
        net.backward(out, b)
        optimizer.update()
        return m
    }

    public func evaluate(_ batch: TrainingBatch) throws -> TaskMetrics {
        let b = networkBatch(batch)
        let out = net.forward(sequence: b.sequence, middleInput: b.middleInput, training: false)
        return metrics(out, net.losses(out, b), batch)
    }

    public func reseed(_ seed: UInt64) { net.reseedDropout(seed) }

    // MARK: - Scoring

    /// Input tensors of `scores`, reused from batch to batch (a fresh 40 MB allocation per batch costs page faults).
    private var scoreSequence: Tensor?, scoreMiddleInput: Tensor?

    public func scores(for batch: ObjectBatch) throws -> [HeadScores] {
        let n = batch.forward.count, s = cropSide
        let sequence = reuse(&scoreSequence, [n, 3, 7, s, s], batch.forward.values)
        let middleInput = reuse(&scoreMiddleInput, [n, 3, 6, s, s], batch.middleInput.values)
        let out = net.forward(sequence: sequence, middleInput: middleInput, training: false,
                              middleIsSequenceWithoutCentre: true)
        let student: Tensor? = selfDistillation && studentTrained ? net.studentForward(training: false) : nil
        var appearance = [Float](repeating: 0, count: n)
        if appearanceBank != nil || appearanceSampler != nil, let pooled = net.sequencePooled {
            let features = pretrainedAppearance.map { network in
                (values: batch.middleTarget.values.withUnsafeBufferPointer { network.features($0.baseAddress!, count: n) },
                 dimension: network.dimension)
            } ?? appearanceFeatures(pooled)
            appearanceSampler?.add(features.values, count: n, dimension: features.dimension)
            if let bank = appearanceBank { appearance = bank.distances(features.values, count: n) }
        }
        let plane = 3 * s * s, width = net.config.teacherWidth
        let middle = out.middle.data
        return batch.middleTarget.values.withUnsafeBufferPointer { targets in
            (0..<n).map { i in
                func pSecond(_ t: Tensor) -> Float {
                    let a = t[2 * i], b = t[2 * i + 1], m = max(a, b)
                    return exp(b - m) / (exp(a - m) + exp(b - m))
                }
                let reconstruction = middle + i * plane, target = targets.baseAddress! + i * plane
                var mb: Float = 0
                for k in 0..<plane { mb += abs(reconstruction[k] - target[k]) }
                var kd: Float = 0
                if let student {
                    let studentReconstruction = student.data + i * plane
                    for k in 0..<plane { kd += abs(reconstruction[k] - studentReconstruction[k]) }
                    kd /= Float(plane)
                } else if teacherWidth > 0 {
                    let teacher = batch.teacher[i]
                    for k in 0..<width { kd += abs(out.kd[i * width + k] - (k < teacher.count ? teacher[k] : 0)) }
                    kd /= Float(width)
                }
                return HeadScores(arrowOfTime: pSecond(out.aotLogits), motionIrregularity: pSecond(out.miLogits),
                                  middleBox: mb / Float(plane), distillation: kd, appearance: appearance[i])
            }
        }
    }
}

/// `buffer` reshaped to `shape` (reallocated only to grow) and filled with `values`.
private func reuse(_ buffer: inout Tensor?, _ shape: [Int], _ values: [Float]) -> Tensor {
    let t = ensureT(&buffer, shape)
    precondition(values.count == t.count, "expected \(t.count) values for \(shape), got \(values.count)")
    values.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress!, count: t.count) }
    return t
}

/// The self-distillation phase seen by the trainer: each step trains only the student decoder to reproduce
/// the frozen middle-box decoder; the L1 discrepancy is reported as the distillation loss.
public final class StudentPhase: TrainableModel {
    public let model: MultiTaskModel
    public init(model: MultiTaskModel) { self.model = model }

    private func input(_ batch: TrainingBatch) -> Tensor {
        Tensor(shape: [batch.count, 3, 6, batch.side, batch.side], values: batch.middleInput)
    }

    public func trainStep(_ batch: TrainingBatch) throws -> TaskMetrics {
        zeroGrad(model.net.studentParameters)
        let loss = model.net.studentTrainStep(middleInput: input(batch))
        model.studentOptimizer.update()
        var m = TaskMetrics()
        m.objects = batch.count
        m.distillationLoss = Double(loss)
        return m
    }

    public func evaluate(_ batch: TrainingBatch) throws -> TaskMetrics {
        let (teacher, student) = model.net.selfDistillationForward(middleInput: input(batch), trainingStudent: false)
        var m = TaskMetrics()
        m.objects = batch.count
        m.distillationLoss = Double(l1LossForward(pred: student.data, target: teacher.data, n: student.count))
        return m
    }

    public func reseed(_ seed: UInt64) {}
}

extension MultiTaskNet {
    /// Restarts the dropout masks of the classifier heads from `seed`.
    func reseedDropout(_ seed: UInt64) {
        for (k, head) in [aot, mi, kd].enumerated() {
            for case let dropout as Dropout in head.layers { dropout.rng = RNG(seed: seed &+ UInt64(k) &* 0x9E37_79B9) }
        }
    }
}
