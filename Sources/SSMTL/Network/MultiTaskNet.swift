// The SSMTL multi-task network (spec §5): a shared 3D-CNN encoder, global temporal max pooling, and four heads:
// arrow of time (AoT), motion irregularity (MI), middle-box prediction (MB, decoder) and distillation (KD).
// Parameter names follow a PyTorch state_dict of nn.Sequential modules (see Scripts/bench_torch.py):
//   encoder.<i>.*, aot.<i>.*, mi.<i>.*, kd.<i>.*, decoder.<i>.*, student.<i>.*
// BatchNorm buffers are running_mean / running_var (num_batches_tracked is not stored).
import Foundation
import NeuralNet

public enum Variant: String, CaseIterable, Sendable {
    case shallowNarrow = "shallow-narrow", shallowWide = "shallow-wide"
    case deepNarrow = "deep-narrow", deepWide = "deep-wide"

    /// Encoder plan: channel count of each 3x3x3 conv, 0 = MaxPool3D (1,2,2).
    public var encoderPlan: [Int] {
        switch self {
        case .shallowNarrow: return [16, 0, 32, 0, 32, 0]
        case .shallowWide: return [32, 0, 64, 0, 64, 0]
        case .deepNarrow: return [16, 16, 0, 32, 32, 0, 32, 0, 32, 0]
        case .deepWide: return [32, 32, 0, 64, 64, 0, 64, 0, 64, 0]
        }
    }
}

public struct NetworkConfig: Sendable, Equatable {
    public var variant: Variant = .shallowNarrow
    public var encoderPlan: [Int]
    public var inputChannels = 3
    public var cropSize = 64             // crops are cropSize x cropSize RGB
    public var sequenceFrames = 7        // AoT / MI / KD input
    public var middleFrames = 6          // middle-box input (sequence without its middle frame)
    public var headChannels = 32
    public var decoderChannels = 32
    public var dropout: Float = 0.3
    public var teacherWidth = 80
    public var distillationWeight: Float = 1  // lambda

    public init(variant: Variant = .shallowNarrow) {
        self.variant = variant
        encoderPlan = variant.encoderPlan
    }
    public var poolingStages: Int { encoderPlan.filter { $0 == 0 }.count }
    public var encoderChannels: Int { encoderPlan.last { $0 > 0 } ?? inputChannels }
    public var mapSize: Int { cropSize >> poolingStages }

    /// Encoder plan as text: channel counts and M for a MaxPool3D (1,2,2), e.g. "16,M,32,M,32,M".
    public var encoderPlanText: String { encoderPlan.map { $0 == 0 ? "M" : String($0) }.joined(separator: ",") }

    /// Parses `encoderPlanText`; nil for anything else (empty, a non-positive count, no convolution).
    public static func parseEncoderPlan(_ text: String) -> [Int]? {
        var plan: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let t = item.trimmingCharacters(in: .whitespaces)
            if t == "M" || t == "m" { plan.append(0); continue }
            guard let c = Int(t), c > 0, c <= 4096 else { return nil }
            plan.append(c)
        }
        return plan.contains { $0 > 0 } ? plan : nil
    }

    /// The weights of the network's convolutions and linear layers (biases, batch norms and the student left out: a
    /// lower bound of the values its checkpoint stores), in floating point so that no width overflows it. A checkpoint
    /// whose metadata describes more than its file holds is refused before the network is allocated.
    public func weightCountLowerBound(teacherWidth: Int) -> Double {
        var total = 0.0, c = Double(inputChannels)
        for entry in encoderPlan where entry > 0 { total += c * Double(entry) * 27; c = Double(entry) }
        let head = Double(headChannels), decoder = Double(decoderChannels), half = Double(mapSize / 2)
        total += 3 * c * head * 9 + head * half * half * Double(2 + 2 + max(teacherWidth, 1))
        var dc = c
        for stage in 0..<poolingStages {
            let oc = stage == poolingStages - 1 ? Double(inputChannels) : decoder
            total += dc * oc * 9
            dc = oc
        }
        return total
    }

    /// Why this architecture cannot be built, or nil when it can.
    public var problem: String? {
        if cropSize < 2 || cropSize > 1024 { return "crop size \(cropSize) is outside 2...1024" }
        if poolingStages < 2 { return "the encoder needs at least two pooling stages (M): the decoder stem and the rest" }
        // A 1024-pixel crop halves to 1 after 10 stages; more would also overflow the divisibility check below.
        if poolingStages > 9 { return "the encoder has \(poolingStages) pooling stages (M), at most 9 fit any crop size" }
        if encoderPlan.count > 64 { return "the encoder plan has \(encoderPlan.count) items, at most 64" }
        if cropSize % (1 << (poolingStages + 1)) != 0 {
            return "crop size \(cropSize) must be divisible by \(1 << (poolingStages + 1)) (2^(pooling stages + 1))"
        }
        // The upper bound keeps a mistyped width (or a corrupt checkpoint's) from asking for terabytes.
        if !(1...4096).contains(headChannels) || !(1...4096).contains(decoderChannels) {
            return "head and decoder channels must lie in 1...4096 (got \(headChannels) and \(decoderChannels))"
        }
        if !(dropout >= 0 && dropout < 1) { return "dropout must be in [0, 1)" }
        return nil
    }
}

public struct MultiTaskOutput {
    public let aotLogits: Tensor   // (N, 2)
    public let miLogits: Tensor    // (N, 2)
    public let middle: Tensor      // (N, 3, S, S) in [0, 1]
    public let kd: Tensor          // (N, teacherWidth)
}

public struct MultiTaskLosses: Sendable {
    public var aot: Float, mi: Float, mb: Float, kd: Float
    public var total: Float
    public init(aot: Float, mi: Float, mb: Float, kd: Float, total: Float) {
        self.aot = aot; self.mi = mi; self.mb = mb; self.kd = kd; self.total = total
    }
}

/// One training batch. Frames are (N, 3, T, S, S) float in [0, 1].
public struct MultiTaskBatch {
    public var sequence: Tensor      // (N, 3, 7, S, S)
    public var middleInput: Tensor   // (N, 3, 6, S, S)
    public var middleTarget: Tensor  // (N, 3, S, S)
    public var teacher: Tensor       // (N, teacherWidth)
    public var aotLabels: [Int32]    // (N) 0 forward, 1 backward
    public var miLabels: [Int32]     // (N) 0 consecutive, 1 irregular
    public init(sequence: Tensor, middleInput: Tensor, middleTarget: Tensor, teacher: Tensor,
                aotLabels: [Int32], miLabels: [Int32]) {
        self.sequence = sequence; self.middleInput = middleInput; self.middleTarget = middleTarget
        self.teacher = teacher; self.aotLabels = aotLabels; self.miLabels = miLabels
    }
}

public final class MultiTaskNet {
    public let config: NetworkConfig
    let encoderSeq: Sequential      // pass 1: 7-frame sequence
    let encoderMid: Sequential      // pass 2: 6-frame middle-box input, same parameters
    let poolSeq = TemporalMax(), poolMid = TemporalMax()
    let aot: Sequential, mi: Sequential, kd: Sequential
    /// Middle-box decoder = stem (first upsampling stage) + tail (the other stages, ending in 3 channels + sigmoid).
    let decoderStem: Sequential, decoderTail: Sequential
    /// Self-distillation student (AED-MAE): branches after the decoder stem, one extra 3x3 conv stage at the stem's
    /// resolution, then the tail's stages with their own weights. Trained after the main training, on its own.
    let student: Sequential
    /// Trainable parameters of the main training (everything except the student).
    public let parameters: [Parameter]
    public let studentParameters: [Parameter]
    public let buffers: [(String, Tensor)]
    /// Decoder stem output of the last forward (the student's input).
    private var stemOutput: Tensor?
    /// Temporally pooled encoder map of the 7-frame sequence in the last forward, (N, C, s, s), the map the aot, mi
    /// and kd heads read: the appearance features are taken from it.
    public private(set) var sequencePooled: Tensor?
    private var dStudent: Tensor?
    private var dmap: Tensor?
    private var probsAot: Tensor?, probsMi: Tensor?, dAot: Tensor?, dMi: Tensor?, dMb: Tensor?, dKd: Tensor?

    public init(config: NetworkConfig, seed: UInt64 = 0) {
        self.config = config
        var rng = RNG(seed: seed)
        // Encoder: conv 3x3x3 pad 1 + BN + ReLU per channel entry; MaxPool3D (1,2,2) per 0.
        var enc: [Layer] = []
        var c = config.inputChannels
        for entry in config.encoderPlan {
            if entry == 0 { enc.append(MaxPool(kernel: (1, 2, 2))); continue }
            let conv = Conv(name: "encoder.\(enc.count)", inChannels: c, outChannels: entry, kernel: (3, 3, 3),
                            padding: (1, 1, 1), rng: &rng)
            if enc.isEmpty { conv.computeInputGrad = false }
            enc.append(conv)
            enc.append(BatchNorm(name: "encoder.\(enc.count)", channels: entry))
            enc.append(ReLU(inPlace: true))
            c = entry
        }
        encoderSeq = Sequential(enc)
        encoderMid = Sequential(enc.map { l -> Layer in
            if let cv = l as? Conv { return Conv(sharing: cv) }
            if let bn = l as? BatchNorm { return BatchNorm(sharing: bn) }
            if l is MaxPool { return MaxPool(kernel: (1, 2, 2)) }
            return ReLU(inPlace: true)
        })
        let s = config.mapSize
        func trunk(_ name: String, outputs: Int, seed: UInt64) -> Sequential {
            // conv(0) bn(1) relu(2) dropout(3) maxpool(4) flatten(5) linear(6)
            Sequential([
                Conv(name: "\(name).0", inChannels: c, outChannels: config.headChannels, kernel: (3, 3), padding: (1, 1), rng: &rng),
                BatchNorm(name: "\(name).1", channels: config.headChannels),
                ReLU(),
                Dropout(p: config.dropout, seed: seed),
                MaxPool(kernel2D: (2, 2)),
                Flatten(),
                Linear(name: "\(name).6", inFeatures: config.headChannels * (s / 2) * (s / 2), outFeatures: outputs, rng: &rng),
            ])
        }
        aot = trunk("aot", outputs: 2, seed: seed &+ 101)
        mi = trunk("mi", outputs: 2, seed: seed &+ 202)
        kd = trunk("kd", outputs: config.teacherWidth, seed: seed &+ 303)
        // Decoder: per pooling stage, upsample x2 + conv 3x3; BN + ReLU except the last (3 channels + sigmoid).
        var dec: [Layer] = []
        var stemCount = 0
        var dc = c
        for stage in 0..<config.poolingStages {
            dec.append(Upsample2x())
            let last = stage == config.poolingStages - 1
            let oc = last ? config.inputChannels : config.decoderChannels
            dec.append(Conv(name: "decoder.\(dec.count)", inChannels: dc, outChannels: oc, kernel: (3, 3), padding: (1, 1), rng: &rng))
            if last { dec.append(Sigmoid()) } else {
                dec.append(BatchNorm(name: "decoder.\(dec.count)", channels: oc))
                dec.append(ReLU(inPlace: true))
            }
            if stage == 0 { stemCount = dec.count }
            dc = oc
        }
        decoderStem = Sequential(Array(dec[..<stemCount]))
        decoderTail = Sequential(Array(dec[stemCount...]))
        // Student: the extra stage (conv + BN + ReLU, same resolution), then a copy of the tail's structure.
        var studentRNG = RNG(seed: seed &+ 404)
        let stemChannels = config.poolingStages > 1 ? config.decoderChannels : config.inputChannels
        var stu: [Layer] = []
        let first = Conv(name: "student.0", inChannels: stemChannels, outChannels: config.decoderChannels, kernel: (3, 3),
                         padding: (1, 1), rng: &studentRNG)
        first.computeInputGrad = false  // the stem is frozen: no gradient flows past the student
        stu += [first, BatchNorm(name: "student.1", channels: config.decoderChannels), ReLU(inPlace: true)]
        var sc = config.decoderChannels
        for layer in decoderTail.layers {
            switch layer {
            case is Upsample2x: stu.append(Upsample2x())
            case let conv as Conv:
                let oc = conv.weight.value.shape[0]
                stu.append(Conv(name: "student.\(stu.count)", inChannels: sc, outChannels: oc, kernel: (3, 3), padding: (1, 1), rng: &studentRNG))
                sc = oc
            case is BatchNorm: stu.append(BatchNorm(name: "student.\(stu.count)", channels: sc))
            case is Sigmoid: stu.append(Sigmoid())
            default: stu.append(ReLU(inPlace: true))
            }
        }
        student = Sequential(stu)
        parameters = encoderSeq.parameters + aot.parameters + mi.parameters + kd.parameters + decoderStem.parameters + decoderTail.parameters
        studentParameters = student.parameters
        buffers = encoderSeq.buffers + aot.buffers + mi.buffers + kd.buffers + decoderStem.buffers + decoderTail.buffers + student.buffers
    }

    /// Named tensors in state-dict order (parameters, then BN buffers), for checkpoints.
    public var stateDict: [(String, Tensor)] {
        (parameters + studentParameters).map { ($0.name, $0.value) } + buffers
    }

    /// Forward of one batch: sequence (N, 3, 7, S, S) and middle input (N, 3, 6, S, S).
    /// middleIsSequenceWithoutCentre: the caller guarantees that the middle input is the sequence without its centre
    /// frame (true at test time, not for training's reversed or irregular sequences). Inference then computes the
    /// encoder frames the two passes have in common once (exact: same outputs).
    public func forward(sequence: Tensor, middleInput: Tensor, training: Bool,
                        middleIsSequenceWithoutCentre: Bool = false) -> MultiTaskOutput {
        let encodedSeq: Tensor, encodedMid: Tensor
        if !training && middleIsSequenceWithoutCentre {
            let frames = sequence.shape[2], centre = frames / 2
            precondition(middleInput.shape[2] == frames - 1, "middle input must have one frame less than the sequence")
            (encodedSeq, encodedMid) = encoderSeq.forwardInferencePair(
                sequence, twin: encoderMid, middleInput, sourceFrame: (0..<frames).filter { $0 != centre })
        } else {
            encodedSeq = encoderSeq.forward(sequence, training: training)
            encodedMid = encoderMid.forward(middleInput, training: training)
        }
        let f = poolSeq.forward(encodedSeq, training: training)  // (N, C, s, s)
        sequencePooled = f
        let g = poolMid.forward(encodedMid, training: training)
        let stem = decoderStem.forward(g, training: training)
        stemOutput = stem
        return MultiTaskOutput(aotLogits: aot.forward(f, training: training), miLogits: mi.forward(f, training: training),
                               middle: decoderTail.forward(stem, training: training), kd: kd.forward(f, training: training))
    }

    /// The middle-box input that goes with a consecutive sequence (N, C, T, S, S): the same frames without the
    /// centre one, (N, C, T-1, S, S).
    public static func middleInput(of sequence: Tensor) -> Tensor {
        let (n, c, t) = (sequence.shape[0], sequence.shape[1], sequence.shape[2])
        let plane = sequence.shape[3] * sequence.shape[4], centre = t / 2
        let out = Tensor(shape: [n, c, t - 1, sequence.shape[3], sequence.shape[4]])
        for nc in 0..<(n * c) {
            let src = sequence.data + nc * t * plane, dst = out.data + nc * (t - 1) * plane
            dst.update(from: src, count: centre * plane)
            (dst + centre * plane).update(from: src + (centre + 1) * plane, count: (t - 1 - centre) * plane)
        }
        return out
    }

    /// The student's reconstruction (N, 3, S, S) from the decoder stem of the last `forward`.
    public func studentForward(training: Bool) -> Tensor {
        guard let stem = stemOutput else { preconditionFailure("studentForward before forward") }
        return student.forward(stem, training: training)
    }

    /// Teacher (frozen middle-box decoder, inference mode) and student reconstructions (N, 3, S, S) of a middle-box
    /// input (N, 3, 6, S, S); only the student may run in training mode.
    public func selfDistillationForward(middleInput: Tensor, trainingStudent: Bool) -> (teacher: Tensor, student: Tensor) {
        let g = poolMid.forward(encoderMid.forward(middleInput, training: false), training: false)
        let stem = decoderStem.forward(g, training: false)
        stemOutput = stem
        let teacher = decoderTail.forward(stem, training: false)
        return (teacher, student.forward(stem, training: trainingStudent))
    }

    /// One self-distillation step: the student learns to reproduce the frozen decoder's output (L1).
    /// Accumulates into the student's gradients (zero them first); returns the loss.
    public func studentTrainStep(middleInput: Tensor) -> Float {
        let (teacher, out) = selfDistillationForward(middleInput: middleInput, trainingStudent: true)
        let loss = l1LossForward(pred: out.data, target: teacher.data, n: out.count)
        let d = ensureT(&dStudent, out.shape)
        d.zero()
        l1LossBackward(dpred: d.data, pred: out.data, target: teacher.data, n: out.count)
        _ = student.backward(d)
        return loss
    }

    /// Loss = CE(aot) + CE(mi) + L1(middle box) + lambda * L1(distillation), for an output of `forward`.
    public func losses(_ out: MultiTaskOutput, _ batch: MultiTaskBatch) -> MultiTaskLosses {
        let n = out.aotLogits.shape[0]
        let pa = ensureT(&probsAot, [n, 2]), pm = ensureT(&probsMi, [n, 2])
        let la = batch.aotLabels.withUnsafeBufferPointer {
            softmaxCrossEntropyForward(probs: pa.data, logits: out.aotLogits.data, labels: $0.baseAddress!, n: n, k: 2)
        }
        let lm = batch.miLabels.withUnsafeBufferPointer {
            softmaxCrossEntropyForward(probs: pm.data, logits: out.miLogits.data, labels: $0.baseAddress!, n: n, k: 2)
        }
        let lb = l1LossForward(pred: out.middle.data, target: batch.middleTarget.data, n: out.middle.count)
        let lk = l1LossForward(pred: out.kd.data, target: batch.teacher.data, n: out.kd.count)
        return MultiTaskLosses(aot: la, mi: lm, mb: lb, kd: lk, total: la + lm + lb + config.distillationWeight * lk)
    }

    /// Backward of the total loss; accumulates into parameter gradients (zero them first).
    public func backward(_ out: MultiTaskOutput, _ batch: MultiTaskBatch) {
        let n = out.aotLogits.shape[0]
        let da = ensureT(&dAot, out.aotLogits.shape), dm = ensureT(&dMi, out.miLogits.shape)
        let db = ensureT(&dMb, out.middle.shape), dk = ensureT(&dKd, out.kd.shape)
        da.zero(); dm.zero(); db.zero(); dk.zero()
        batch.aotLabels.withUnsafeBufferPointer {
            softmaxCrossEntropyBackward(dlogits: da.data, probs: probsAot!.data, labels: $0.baseAddress!, n: n, k: 2)
        }
        batch.miLabels.withUnsafeBufferPointer {
            softmaxCrossEntropyBackward(dlogits: dm.data, probs: probsMi!.data, labels: $0.baseAddress!, n: n, k: 2)
        }
        l1LossBackward(dpred: db.data, pred: out.middle.data, target: batch.middleTarget.data, n: out.middle.count)
        l1LossBackward(dpred: dk.data, pred: out.kd.data, target: batch.teacher.data, n: out.kd.count,
                       dloss: config.distillationWeight)
        // Heads on the sequence map: sum their input gradients.
        let g1 = aot.backward(da)
        let dmapT = ensureT(&dmap, g1.shape)
        dmapT.copy(from: g1)
        let g2 = mi.backward(dm)
        for i in 0..<dmapT.count { dmapT.data[i] += g2.data[i] }
        let g3 = kd.backward(dk)
        for i in 0..<dmapT.count { dmapT.data[i] += g3.data[i] }
        _ = encoderSeq.backward(poolSeq.backward(dmapT))
        _ = encoderMid.backward(poolMid.backward(decoderStem.backward(decoderTail.backward(db))))
    }

    /// One optimisation step: zero grads, forward, losses, backward, Adam update.
    @discardableResult
    public func trainStep(_ batch: MultiTaskBatch, optimizer: Adam) -> MultiTaskLosses {
        zeroGrad(parameters)
        let out = forward(sequence: batch.sequence, middleInput: batch.middleInput, training: true)
        let l = losses(out, batch)
        backward(out, batch)
        optimizer.update()
        return l
    }
}

/// `t` reshaped to `shape`, allocated on first use and reallocated only to grow (contents unspecified).
@inline(__always)
func ensureT(_ t: inout Tensor?, _ shape: [Int]) -> Tensor {
    if let t { t.reshape(shape); return t }
    let n = Tensor(shape: shape); t = n; return n
}

// MARK: - Checkpoints

extension MultiTaskNet {
    /// Writes the state dict (parameters + BN running statistics), optionally the Adam states of the main and the
    /// student phases (`adam.m.<name>`, `adam.v.<name>`, step in metadata `adam_step`; `student_adam.*` likewise),
    /// `extra` tensors (the appearance bank), and `metadata` (plus `variant`).
    public func save(to path: String, metadata: [String: String] = [:], optimizer: Adam? = nil, studentOptimizer: Adam? = nil,
                     extra: [NamedTensor] = []) throws {
        var tensors = stateDict.map { NamedTensor(name: $0.0, shape: $0.1.shape, values: $0.1.array) } + extra
        var md = metadata
        md["variant"] = config.variant.rawValue
        md["encoder_plan"] = config.encoderPlanText
        for (prefix, adam) in [("adam", optimizer), ("student_adam", studentOptimizer)] {
            guard let adam else { continue }
            tensors += Self.optimizerState(adam, prefix: prefix).map { NamedTensor(name: $0.0, shape: $0.1.shape, values: $0.1.array) }
            md["\(prefix)_step"] = String(adam.step)
        }
        try Safetensors.write(tensors, metadata: md, to: path)
    }

    /// Loads a checkpoint written by `save` into this network (and the optimizers, when given and present).
    /// Throws CheckpointError for a corrupt file, a different variant, or missing / mis-shaped tensors.
    @discardableResult
    public func load(from path: String, optimizer: Adam? = nil, studentOptimizer: Adam? = nil) throws -> [String: String] {
        try load(try Safetensors.read(path), path: path, optimizer: optimizer, studentOptimizer: studentOptimizer)
    }

    /// `load(from:)` for a file already read (`path` names it in errors).
    @discardableResult
    public func load(_ file: SafetensorsFile, path: String, optimizer: Adam? = nil, studentOptimizer: Adam? = nil) throws -> [String: String] {
        if let v = file.metadata["variant"], v != config.variant.rawValue {
            throw CheckpointError(path, "was trained for variant \(v), not \(config.variant.rawValue)")
        }
        try Safetensors.load(file, into: stateDict, path: path)
        for (prefix, adam) in [("adam", optimizer), ("student_adam", studentOptimizer)] {
            guard let adam, let stepText = file.metadata["\(prefix)_step"] else { continue }
            guard let step = Int(stepText), step >= 0 else { throw CheckpointError(path, "bad \(prefix)_step \(stepText)") }
            try Safetensors.load(file, into: Self.optimizerState(adam, prefix: prefix), path: path)
            adam.setStep(step)
        }
        return file.metadata
    }

    /// The moment tensors of an Adam optimizer under checkpoint names `<prefix>.m.<param>` / `<prefix>.v.<param>`.
    private static func optimizerState(_ adam: Adam, prefix: String) -> [(String, Tensor)] {
        adam.params.enumerated().flatMap { i, p in [("\(prefix).m.\(p.name)", adam.m[i]), ("\(prefix).v.\(p.name)", adam.v[i])] }
    }
}
