// Layer objects: thin owners of parameters, caches and output buffers around the free kernels.
// forward(x) returns a buffer owned by the layer (valid until its next forward);
// backward(dy) returns dx, a layer-owned buffer zeroed then accumulated. Parameter gradients accumulate (+=).
// Layers built with `sharing:` reuse another layer's parameters and running statistics but keep their own
// caches, so one set of weights can run on two inputs of different shapes in one step.

public protocol Layer: AnyObject {
    /// Trainable parameters, with their state-dict names.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved in checkpoints (e.g. BN running statistics), with names.
    var buffers: [(String, Tensor)] { get }
    func forward(_ x: Tensor, training: Bool) -> Tensor
    func backward(_ dy: Tensor) -> Tensor
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [(String, Tensor)] { [] }
}

// MARK: - Convolution (3D for NCDHW input, 2D for NCHW input)

public final class Conv: Layer {
    public let weight: Parameter   // (O, C, KD, KH, KW) or (O, C, KH, KW)
    public let bias: Parameter?    // (O)
    public let kernel: (Int, Int, Int), stride: (Int, Int, Int), padding: (Int, Int, Int)
    public let is3D: Bool
    /// Set false for the first layer of a network: no input gradient is computed.
    public var computeInputGrad = true
    public var useNaive = false
    private var input: Tensor?
    private var out: Tensor?, dx: Tensor?, col: Tensor?, dcol: Tensor?, partial: Tensor?, wr: Tensor?
    /// Use the frame-shifted GEMM path for 3D convs with depth stride 1 (set false to force vol2col).
    public var useShifted = Conv.preferShifted
    /// Default for useShifted of new layers (A/B switch for benchmarks).
    nonisolated(unsafe) public static var preferShifted = true
    /// 3D convolutions with 3x3 spatial kernels by Winograd's F(2x2, 3x3) (Winograd.swift) instead of frame-shifted
    /// GEMMs: the forward pass, and in training the input gradient too (a convolution of the output gradient with
    /// the flipped kernel); the weight gradient stays on the GEMMs.
    public var useWinograd = Conv.preferWinograd
    /// Default for useWinograd of new layers (A/B switch for benchmarks).
    nonisolated(unsafe) public static var preferWinograd = true
    private var winogradWeight: Tensor?, flippedWeight: Tensor?, winogradWork: Tensor?
    /// Inference's 3x3x3 convolutions with fewer than 8 input channels (the RGB first layer) by the direct AVX2 kernel
    /// (ConvDirect.swift) when the CPU has it, instead of frame-shifted GEMMs. Training keeps the GEMMs.
    public var useDirect = Conv.preferDirect
    /// Default for useDirect of new layers (A/B switch for benchmarks).
    nonisolated(unsafe) public static var preferDirect = true
    private var directWeight: Tensor?
    /// Inference's 3x3 convolutions on frames of at least 32x32 pixels by Winograd's F(4x4, 3x3) (Winograd4.swift)
    /// instead of F(2x2, 3x3) when the CPU has AVX2. Training's gradient passes keep F(2x2, 3x3).
    public var useWinograd4 = Conv.preferWinograd4
    /// Default for useWinograd4 of new layers (A/B switch for benchmarks).
    nonisolated(unsafe) public static var preferWinograd4 = true
    private var shape: ConvShape?

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// 3D convolution. PyTorch default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    public init(name: String, inChannels c: Int, outChannels o: Int, kernel: (Int, Int, Int),
                stride: (Int, Int, Int) = (1, 1, 1), padding: (Int, Int, Int) = (0, 0, 0), bias: Bool = true, rng: inout RNG) {
        is3D = true
        self.kernel = kernel; self.stride = stride; self.padding = padding
        weight = Parameter(name: name + ".weight", shape: [o, c, kernel.0, kernel.1, kernel.2])
        self.bias = bias ? Parameter(name: name + ".bias", shape: [o]) : nil
        initialise(fanIn: c * kernel.0 * kernel.1 * kernel.2, rng: &rng)
    }

    /// 2D convolution.
    public init(name: String, inChannels c: Int, outChannels o: Int, kernel: (Int, Int),
                stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), bias: Bool = true, rng: inout RNG) {
        is3D = false
        self.kernel = (1, kernel.0, kernel.1); self.stride = (1, stride.0, stride.1); self.padding = (0, padding.0, padding.1)
        weight = Parameter(name: name + ".weight", shape: [o, c, kernel.0, kernel.1])
        self.bias = bias ? Parameter(name: name + ".bias", shape: [o]) : nil
        initialise(fanIn: c * kernel.0 * kernel.1, rng: &rng)
    }

    public init(sharing other: Conv) {
        weight = other.weight; bias = other.bias; is3D = other.is3D; useShifted = other.useShifted; useWinograd = other.useWinograd
        useDirect = other.useDirect; useWinograd4 = other.useWinograd4
        kernel = other.kernel; stride = other.stride; padding = other.padding
        computeInputGrad = other.computeInputGrad
    }

    private func initialise(fanIn: Int, rng: inout RNG) {
        let bound = 1 / Float(fanIn).squareRoot()
        rng.fillUniform(weight.value, -bound, bound)
        if let bias { rng.fillUniform(bias.value, -bound, bound) }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        run(x, weight: weight.value.data, bias: bias?.value.data)
    }

    private var foldedWeight: Tensor?, foldedBias: Tensor?

    /// Inference only: this convolution followed by `bn` with its running statistics, as one convolution with
    /// W' = W * gamma / sqrt(var + eps) and b' = (b - mean) * gamma / sqrt(var + eps) + beta (no backward).
    /// outputFrames (3D): compute only these runs of output frames when the Winograd or frame-shifted path applies;
    /// the other frames of the output are then left as they were (the caller fills them). Other paths compute every
    /// frame.
    public func forward(_ x: Tensor, foldingInference bn: BatchNorm, outputFrames: [Range<Int>]? = nil) -> Tensor {
        let w = foldWeights(bn)
        return run(x, weight: w.data, bias: foldedBias!.data, outputFrames: outputFrames, inference: true)
    }

    /// The weights with `bn` folded in (returned), and the folded bias (in foldedBias).
    private func foldWeights(_ bn: BatchNorm) -> Tensor {
        let o = weight.value.shape[0], perOutput = weight.value.count / o
        let scale = foldBatchNorm(bn)
        let w = ensure(&foldedWeight, weight.value.shape)
        for k in 0..<o {
            let src = weight.value.data + k * perOutput, dst = w.data + k * perOutput
            for j in 0..<perOutput { dst[j] = src[j] * scale[k] }
        }
        return w
    }

    private var foldedScale: Tensor?, pooledOut: Tensor?

    /// The direct kernel's plan when inference can run this convolution with ReLU and (1, 2, 2) max pooling fused
    /// (`forwardReLUPooled`): the direct kernel takes it and the frames of `x` have even sides; nil otherwise.
    public func reluPoolingPlan(for x: Tensor) -> DirectConvPlan? {
        guard !useNaive, is3D, x.shape.count == 5, x.shape[1] == weight.value.shape[1] else { return nil }
        let s = convShape(x.shape)
        // `direct` takes only the layers Winograd leaves (fewer input channels), as in `run`'s order of paths.
        guard s.h % 2 == 0, s.w % 2 == 0 else { return nil }
        return direct(s)
    }

    /// Inference only: this convolution folded with `bn` (as `forward(_:foldingInference:outputFrames:)`), then ReLU
    /// and (1, 2, 2) max pooling, in one pass of the direct kernel that never writes the full-size output (for the
    /// RGB first layer, a quarter of the memory traffic). `plan` from `reluPoolingPlan(for: x)`.
    public func forwardReLUPooled(_ x: Tensor, foldingInference bn: BatchNorm, _ plan: DirectConvPlan,
                                  outputFrames: [Range<Int>]? = nil) -> Tensor {
        let s = plan.s
        precondition(x.shape == [s.n, s.c, s.d, s.h, s.w], "Conv: the plan is for another input shape")
        let w = foldWeights(bn)
        shape = s; input = x
        let y = ensure(&pooledOut, [s.n, s.o, s.od, s.oh / 2, s.ow / 2])
        let packed = ensure(&directWeight, [plan.weightSize]), work = ensure(&col, [plan.workspaceSize])
        directPackWeight(packed.data, w.data, plan)
        convDirectForwardReLUPool2(out: y.data, work: work.data, inp: x.data, packed: packed.data, bias: foldedBias!.data,
                                   plan, outputFrames: outputFrames)
        return y
    }

    /// Per output channel: the factor gamma / sqrt(var + eps) that `bn` applies (returned), and the folded bias
    /// (b - mean) * factor + beta (in foldedBias). Without BN: factor 1, bias b.
    private func foldBatchNorm(_ bn: BatchNorm?) -> Tensor {
        let o = weight.value.shape[0]
        precondition(bn == nil || bn!.gamma.value.count == o, "Conv+BN: \(o) outputs vs \(bn!.gamma.value.count) BN channels")
        let scale = ensure(&foldedScale, [o]), b = ensure(&foldedBias, [o])
        for k in 0..<o {
            let b0 = bias?.value[k] ?? 0
            guard let bn else { scale[k] = 1; b[k] = b0; continue }
            scale[k] = bn.gamma.value[k] / (bn.runningVar[k] + bn.config.eps).squareRoot()
            b[k] = (b0 - bn.runningMean[k]) * scale[k] + bn.beta.value[k]
        }
        return scale
    }

    private var upsampleWeight: Tensor?, upsampleParities: Tensor?

    /// Can this convolution run fused with a nearest x2 upsampling before it (2D, 3x3, stride 1, padding 1)?
    public var fusesWithUpsampling: Bool {
        !is3D && kernel == (1, 3, 3) && stride == (1, 1, 1) && padding == (0, 1, 1)
    }

    /// Inference only: this convolution applied to upsample2x(x) (x: (N, C, H, W) at low resolution), followed by
    /// `bn` with its running statistics when given, without building the upsampled input (see UpsampleConv.swift).
    public func forward(upsampling x: Tensor, foldingInference bn: BatchNorm?) -> Tensor {
        precondition(fusesWithUpsampling && x.shape.count == 4, "Conv: no fused upsampling for this layer or input")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]), o = weight.value.shape[0]
        precondition(c == weight.value.shape[1], "Conv: input has \(c) channels, weight expects \(weight.value.shape[1])")
        let scale = foldBatchNorm(bn), b = foldedBias!
        let wp = ensure(&upsampleWeight, [4 * o, c * 9])
        upsampleConvFoldWeights(wp.data, weight.value.data, scale: scale.data, o: o, c: c)
        let s = upsampleConvShape(n: n, c: c, h: h, w: w, o: o)
        let parities = ensure(&upsampleParities, [n, 4 * o, h, w])
        let y = ensure(&out, [n, o, 2 * h, 2 * w])
        // The low-resolution 3x3 convolution (4*O outputs) by the paths of `run`'s inference.
        if !runWinograd(out: parities.data, inp: x.data, weight: wp.data, bias: nil, s, inference: true) {
            let cw = ensure(&col, [convWorkspaceSize(s)])
            convForward(out: parities.data, col: cw.data, inp: x.data, weight: wp.data, bias: nil, s)
        }
        upsampleConvInterleave(out: y.data, parities: parities.data, bias: b.data, n: n, h: h, w: w, o: o)
        return y
    }

    /// The shape of this convolution on an input of shape `xs` ((N, C, D, H, W), or (N, C, H, W) for a 2D layer).
    private func convShape(_ xs: [Int]) -> ConvShape {
        let o = weight.value.shape[0]
        return is3D
            ? ConvShape(n: xs[0], c: xs[1], d: xs[2], h: xs[3], w: xs[4], o: o, kernel: kernel, stride: stride, padding: padding)
            : ConvShape(n: xs[0], c: xs[1], d: 1, h: xs[2], w: xs[3], o: o, kernel: kernel, stride: stride, padding: padding)
    }

    /// inference: the caller asks for output frames only this path computes.
    private func run(_ x: Tensor, weight wp: UnsafePointer<Float>, bias bp: UnsafePointer<Float>?,
                     outputFrames: [Range<Int>]? = nil, inference: Bool = false) -> Tensor {
        let xs = x.shape
        precondition(xs.count == (is3D ? 5 : 4), "Conv: unexpected input shape \(xs)")
        let o = weight.value.shape[0]
        let s = convShape(xs)
        precondition(s.c == weight.value.shape[1], "Conv: input has \(s.c) channels, weight expects \(weight.value.shape[1])")
        shape = s; input = x
        let y = ensure(&out, is3D ? [s.n, o, s.od, s.oh, s.ow] : [s.n, o, s.oh, s.ow])
        if useNaive {
            convForwardNaive(out: y.data, inp: x.data, weight: wp, bias: bp, s)
        } else if runWinograd(out: y.data, inp: x.data, weight: wp, bias: bp, s, inference: inference, outputFrames: outputFrames) {
            // y computed by Winograd.
        } else if inference, let pl = direct(s) {
            let packed = ensure(&directWeight, [pl.weightSize]), work = ensure(&col, [pl.workspaceSize])
            directPackWeight(packed.data, wp, pl)
            convDirectForward(out: y.data, work: work.data, inp: x.data, packed: packed.data, bias: bp, pl, outputFrames: outputFrames)
        } else if shifted(s) {
            let pl = ShiftedConvPlan(s)
            let c = ensure(&col, [pl.colSize]), w = ensure(&wr, [pl.weightSize])
            reorderConvWeight(w.data, wp, pl)
            convShiftedForward(out: y.data, col: c.data, inp: x.data, wr: w.data, bias: bp, pl, outputFrames: outputFrames)
        } else {
            let c = ensure(&col, [convWorkspaceSize(s)])
            convForward(out: y.data, col: c.data, inp: x.data, weight: wp, bias: bp, s)
        }
        return y
    }

    /// The convolution of shape `s` by Winograd when a plan applies (F(4x4) in inference when its plan applies, else
    /// F(2x2)); returns false, computing nothing, when neither applies.
    private func runWinograd(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight wp: UnsafePointer<Float>,
                             bias bp: UnsafePointer<Float>?, _ s: ConvShape, inference: Bool,
                             outputFrames: [Range<Int>]? = nil) -> Bool {
        if inference, let pl = winograd4(s) {
            let u = ensure(&winogradWeight, [pl.weightSize]), work = ensure(&col, [pl.workspaceSize])
            winograd4TransformWeight(u.data, wp, pl)
            convWinograd4Forward(out: out, work: work.data, inp: inp, u: u.data, bias: bp, pl, outputFrames: outputFrames)
            return true
        }
        if let pl = winograd(s) {
            let u = ensure(&winogradWeight, [pl.weightSize]), work = ensure(&col, [pl.workspaceSize])
            winogradTransformWeight(u.data, wp, pl)
            convWinogradForward(out: out, work: work.data, inp: inp, u: u.data, bias: bp, pl, outputFrames: outputFrames)
            return true
        }
        return false
    }

    private func shifted(_ s: ConvShape) -> Bool { useShifted && is3D && s.kd > 1 && s.sd == 1 }

    /// Input channels from which Winograd's 16 GEMMs (inner dimension KD*C) beat the shifted GEMMs; below, the
    /// direct kernel takes inference's 3x3x3 convolutions.
    static let winogradMinimumInputs = 8

    /// The direct kernel's plan when it applies: the layers Winograd leaves to the GEMMs.
    private func direct(_ s: ConvShape) -> DirectConvPlan? {
        guard useDirect, is3D, s.c < Self.winogradMinimumInputs else { return nil }
        return DirectConvPlan(s)
    }

    /// The Winograd plans of the backward pass (the weight gradient's, the forward shape, and the input gradient's) when
    /// they apply. The transposed convolution is the convolution of the output gradient with the flipped kernel when
    /// the padding keeps the size in every axis ("same"), which the plan's conditions and an odd depth kernel with
    /// depth padding (KD - 1) / 2 ensure.
    private func winogradGradients(_ s: ConvShape) -> (weights: WinogradConvPlan, inputs: WinogradConvPlan)? {
        guard let weights = winograd(s), s.kd % 2 == 1, 2 * s.pd == s.kd - 1, s.sd == 1,
              let inputs = WinogradConvPlan(ConvShape(n: s.n, c: s.o, d: s.od, h: s.oh, w: s.ow, o: s.c, kernel: (s.kd, 3, 3),
                                                      padding: (s.pd, 1, 1))) else { return nil }
        return (weights, inputs)
    }

    /// The Winograd plan when it applies. With few input channels its 16 GEMMs are too thin (their inner dimension
    /// is KD*C) to beat the shifted GEMMs (inner dimension 9C, a longer output row): the RGB first layer stays on them.
    private func winograd(_ s: ConvShape) -> WinogradConvPlan? {
        guard useWinograd, s.c >= Self.winogradMinimumInputs else { return nil }
        return WinogradConvPlan(s)
    }

    /// Inference's F(4x4, 3x3) plan when it applies: where F(2x2, 3x3) would run, the CPU has the transforms' AVX2
    /// paths, and the frame is at least 32x32 (with fewer than 64 tiles a frame, the 36 GEMMs get too thin).
    private func winograd4(_ s: ConvShape) -> Winograd4ConvPlan? {
        guard useWinograd4, Winograd4ConvPlan.available, winograd(s) != nil, s.h * s.w >= Self.winograd4MinimumPixels
        else { return nil }
        return Winograd4ConvPlan(s)
    }

    /// Pixels a frame from which inference takes F(4x4, 3x3).
    static let winograd4MinimumPixels = 32 * 32

    public func backward(_ dy: Tensor) -> Tensor {
        guard let s = shape, let x = input else { preconditionFailure("Conv.backward before forward") }
        let g = ensure(&dx, x.shape)
        g.zero()
        if useNaive {
            convBackwardNaive(dinp: computeInputGrad ? g.data : nil, dweight: weight.grad.data, dbias: bias?.grad.data,
                              dout: dy.data, inp: x.data, weight: weight.value.data, s)
        } else if let (weights, inputs) = winogradGradients(s) {
            // The weight and bias gradients by Winograd (convWinogradWeightGradient), and the input gradient as the
            // convolution of dy with the kernel flipped in every axis, input and output channels swapped (written: g
            // is all zero).
            let work = ensure(&winogradWork, [max(weights.gradientWorkspaceSize, inputs.workspaceSize)])
            convWinogradWeightGradient(dweight: weight.grad.data, dbias: bias?.grad.data, work: work.data, inp: x.data,
                                       dout: dy.data, weights)
            if computeInputGrad {
                let flipped = ensure(&flippedWeight, [inputs.s.o * inputs.s.c * inputs.s.kd * 9])
                flipConvWeight(flipped.data, weight.value.data, s)
                let u = ensure(&winogradWeight, [inputs.weightSize])
                winogradTransformWeight(u.data, flipped.data, inputs)
                convWinogradForward(out: g.data, work: work.data, inp: dy.data, u: u.data, bias: nil, inputs)
            }
        } else if shifted(s) {
            let pl = ShiftedConvPlan(s)
            let c = ensure(&col, [pl.colSize]), dc = ensure(&dcol, [pl.colSize]), w = ensure(&wr, [pl.weightSize])
            let dw = ensure(&partial, [pl.workers * pl.weightSize])
            reorderConvWeight(w.data, weight.value.data, pl)
            convShiftedBackward(dinp: computeInputGrad ? g.data : nil, dweight: weight.grad.data, dbias: bias?.grad.data,
                                col: c.data, dcol: dc.data, dwr: dw.data, dout: dy.data, inp: x.data, wr: w.data, pl)
        } else {
            let c = ensure(&col, [convWorkspaceSize(s)]), dc = ensure(&dcol, [convWorkspaceSize(s)])
            let pw = ensure(&partial, [max(Threads.swiftWorkers - 1, 0) * (s.o * s.k + s.o)])
            convBackward(dinp: computeInputGrad ? g.data : nil, dweight: weight.grad.data, dbias: bias?.grad.data,
                         col: c.data, dcol: dc.data, dout: dy.data, inp: x.data, weight: weight.value.data, s,
                         partial: pw.data)
        }
        return g
    }
}

// MARK: - Batch normalisation (2D or 3D: channels on axis 1)

public final class BatchNorm: Layer {
    public let gamma: Parameter, beta: Parameter   // (C): state-dict names weight / bias
    public let runningMean: Tensor, runningVar: Tensor
    public let bufferNames: (String, String)
    public var config: BatchNormConfig
    private var input: Tensor?, out: Tensor?, dx: Tensor?
    private let mean: Tensor, rstd: Tensor
    private var lastTraining = true

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [(String, Tensor)] { [(bufferNames.0, runningMean), (bufferNames.1, runningVar)] }

    public init(name: String, channels c: Int, config: BatchNormConfig = .init()) {
        gamma = Parameter(name: name + ".weight", shape: [c]); gamma.value.fill(1)
        beta = Parameter(name: name + ".bias", shape: [c])
        runningMean = Tensor(shape: [c]); runningVar = Tensor(shape: [c]); runningVar.fill(1)
        bufferNames = (name + ".running_mean", name + ".running_var")
        mean = Tensor(shape: [c]); rstd = Tensor(shape: [c])
        self.config = config
    }

    public init(sharing other: BatchNorm) {
        gamma = other.gamma; beta = other.beta; runningMean = other.runningMean; runningVar = other.runningVar
        bufferNames = other.bufferNames; config = other.config
        mean = Tensor(shape: other.mean.shape); rstd = Tensor(shape: other.rstd.shape)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let c = gamma.value.count
        precondition(x.shape.count >= 2 && x.shape[1] == c, "BatchNorm: input \(x.shape) vs \(c) channels")
        let n = x.shape[0], s = x.count / max(n * c, 1)
        input = x; lastTraining = training
        let y = ensure(&out, x.shape)
        batchnormForward(out: y.data, mean: mean.data, rstd: rstd.data, runningMean: runningMean.data,
                         runningVar: runningVar.data, inp: x.data, gamma: gamma.value.data, beta: beta.value.data,
                         n: n, c: c, s: s, training: training, config: config)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm.backward before forward") }
        let c = gamma.value.count, n = x.shape[0], s = x.count / max(n * c, 1)
        let g = ensure(&dx, x.shape)
        g.zero()
        batchnormBackward(dinp: g.data, dgamma: gamma.grad.data, dbeta: beta.grad.data, dout: dy.data, inp: x.data,
                          mean: mean.data, rstd: rstd.data, gamma: gamma.value.data, n: n, c: c, s: s,
                          training: lastTraining)
        return g
    }
}

// MARK: - Activations

public final class ReLU: Layer {
    /// In place: forward overwrites its input and backward its incoming gradient, saving two activation-sized
    /// buffers. Only for a ReLU whose producer does not need its own output in backward (BatchNorm, Conv) and whose
    /// consumer does not need its gradient buffer afterwards (MaxPool, Conv, Upsample all hand out private dx).
    public let inPlace: Bool
    private var out: Tensor?, dx: Tensor?
    public init(inPlace: Bool = false) { self.inPlace = inPlace }
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if inPlace { reluForward(out: x.data, inp: x.data, n: x.count); out = x; return x }
        let y = ensure(&out, x.shape); reluForward(out: y.data, inp: x.data, n: x.count); return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let y = out!
        if inPlace { reluBackwardInPlace(grad: dy.data, out: y.data, n: y.count); return dy }
        let g = ensure(&dx, y.shape); g.zero()
        reluBackward(dinp: g.data, dout: dy.data, out: y.data, n: y.count); return g
    }
}

public final class LeakyReLU: Layer {
    public let slope: Float
    private var input: Tensor?, out: Tensor?, dx: Tensor?
    public init(slope: Float = 0.1) { self.slope = slope }
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        let y = ensure(&out, x.shape); leakyReluForward(out: y.data, inp: x.data, n: x.count, slope: slope); return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let x = input!, g = ensure(&dx, x.shape); g.zero()
        leakyReluBackward(dinp: g.data, dout: dy.data, inp: x.data, n: x.count, slope: slope); return g
    }
}

public final class Sigmoid: Layer {
    private var out: Tensor?, dx: Tensor?
    public init() {}
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let y = ensure(&out, x.shape); sigmoidForward(out: y.data, inp: x.data, n: x.count); return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let y = out!, g = ensure(&dx, y.shape); g.zero()
        sigmoidBackward(dinp: g.data, dout: dy.data, out: y.data, n: y.count); return g
    }
}

// MARK: - Pooling, reshaping

/// Max pooling, 3D (kernel (kd, kh, kw)) on NCDHW or 2D (kd = 1) on NCHW; stride = kernel.
public final class MaxPool: Layer {
    public let kernel: (Int, Int, Int), is3D: Bool
    private var inShape: [Int] = [], out: Tensor?, dx: Tensor?, argmax: [Int32] = []
    public init(kernel: (Int, Int, Int)) { self.kernel = kernel; is3D = true }
    public init(kernel2D k: (Int, Int)) { kernel = (1, k.0, k.1); is3D = false }
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let xs = x.shape
        let s = is3D ? PoolShape(n: xs[0], c: xs[1], d: xs[2], h: xs[3], w: xs[4], kernel: kernel)
                     : PoolShape(n: xs[0], c: xs[1], d: 1, h: xs[2], w: xs[3], kernel: kernel)
        inShape = xs
        let y = ensure(&out, is3D ? [s.n, s.c, s.od, s.oh, s.ow] : [s.n, s.c, s.oh, s.ow])
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        argmax.withUnsafeMutableBufferPointer { maxPoolForward(out: y.data, argmax: $0.baseAddress!, inp: x.data, s) }
        return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let g = ensure(&dx, inShape); g.zero()
        argmax.withUnsafeBufferPointer { maxPoolBackward(dinp: g.data, dout: dy.data, argmax: $0.baseAddress!, count: dy.count) }
        return g
    }

    /// Inference only: ReLU then this pooling in one pass, without recording the argmax (no backward). nil unless
    /// the window is (1, 2, 2) over even spatial sizes; the caller then runs the two layers.
    public func forwardReLUInference(_ x: Tensor) -> Tensor? {
        let xs = x.shape
        guard kernel == (1, 2, 2), xs.count == (is3D ? 5 : 4), xs[xs.count - 1] % 2 == 0, xs[xs.count - 2] % 2 == 0 else { return nil }
        let (h, w) = (xs[xs.count - 2], xs[xs.count - 1])
        var shape = xs
        shape[shape.count - 2] = h / 2
        shape[shape.count - 1] = w / 2
        let y = ensure(&out, shape)
        maxPool2x2ReLUForward(out: y.data, inp: x.data, planes: x.count / (h * w), h: h, w: w)
        return y
    }
}

/// Global temporal max pooling: (N, C, T, H, W) -> (N, C, H, W).
public final class TemporalMax: Layer {
    private var inShape: [Int] = [], out: Tensor?, dx: Tensor?, argmax: [Int32] = []
    public init() {}
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let xs = x.shape
        inShape = xs
        let y = ensure(&out, [xs[0], xs[1], xs[3], xs[4]])
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        argmax.withUnsafeMutableBufferPointer {
            temporalMaxForward(out: y.data, argmax: $0.baseAddress!, inp: x.data, nc: xs[0] * xs[1], t: xs[2], hw: xs[3] * xs[4])
        }
        return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let g = ensure(&dx, inShape); g.zero()
        argmax.withUnsafeBufferPointer { maxPoolBackward(dinp: g.data, dout: dy.data, argmax: $0.baseAddress!, count: dy.count) }
        return g
    }
}

/// Nearest-neighbour upsampling x2 of NCHW.
public final class Upsample2x: Layer {
    private var inShape: [Int] = [], out: Tensor?, dx: Tensor?
    public init() {}
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let xs = x.shape; inShape = xs
        let y = ensure(&out, [xs[0], xs[1], 2 * xs[2], 2 * xs[3]])
        upsample2xForward(out: y.data, inp: x.data, nc: xs[0] * xs[1], h: xs[2], w: xs[3]); return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let g = ensure(&dx, inShape); g.zero()
        upsample2xBackward(dinp: g.data, dout: dy.data, nc: inShape[0] * inShape[1], h: inShape[2], w: inShape[3]); return g
    }
}

/// (N, ...) -> (N, rest). Copies, so the input buffer may be reused by its producer.
public final class Flatten: Layer {
    private var inShape: [Int] = [], out: Tensor?, dx: Tensor?
    public init() {}
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        inShape = x.shape
        let y = ensure(&out, [x.shape[0], x.count / max(x.shape[0], 1)]); y.copy(from: x); return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let g = ensure(&dx, inShape); g.copy(from: dy); return g
    }
}

// MARK: - Linear, dropout

public final class Linear: Layer {
    public let weight: Parameter, bias: Parameter   // (O, I), (O)
    private var input: Tensor?, out: Tensor?, dx: Tensor?
    public var parameters: [Parameter] { [weight, bias] }
    public init(name: String, inFeatures i: Int, outFeatures o: Int, rng: inout RNG) {
        weight = Parameter(name: name + ".weight", shape: [o, i]); bias = Parameter(name: name + ".bias", shape: [o])
        let bound = 1 / Float(i).squareRoot()
        rng.fillUniform(weight.value, -bound, bound); rng.fillUniform(bias.value, -bound, bound)
    }
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (o, i) = (weight.value.shape[0], weight.value.shape[1]), n = x.shape[0]
        precondition(x.count == n * i, "Linear: input \(x.shape) vs \(i) features")
        input = x
        let y = ensure(&out, [n, o])
        linearForward(out: y.data, inp: x.data, weight: weight.value.data, bias: bias.value.data, n: n, i: i, o: o)
        return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let x = input!, (o, i) = (weight.value.shape[0], weight.value.shape[1])
        let g = ensure(&dx, x.shape); g.zero()
        linearBackward(dinp: g.data, dweight: weight.grad.data, dbias: bias.grad.data, dout: dy.data, inp: x.data,
                       weight: weight.value.data, n: x.shape[0], i: i, o: o)
        return g
    }
}

public final class Dropout: Layer {
    public let p: Float
    public var rng: RNG
    private var out: Tensor?, dx: Tensor?, mask: Tensor?, active = false
    public init(p: Float, seed: UInt64) { self.p = p; rng = RNG(seed: seed) }
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        active = training && p > 0
        let y = ensure(&out, x.shape)
        if active {
            let m = ensure(&mask, x.shape)
            dropoutForward(out: y.data, mask: m.data, inp: x.data, n: x.count, p: p, rng: &rng)
        } else { y.copy(from: x) }
        return y
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let g = ensure(&dx, dy.shape)
        if active { g.zero(); dropoutBackward(dinp: g.data, dout: dy.data, mask: mask!.data, n: dy.count) }
        else { g.copy(from: dy) }
        return g
    }
}

// MARK: - Sequential

public final class Sequential: Layer {
    public let layers: [Layer]
    /// Inference shortcuts (same outputs up to rounding): Conv + BatchNorm run as one folded convolution, and
    /// ReLU + MaxPool run as MaxPool then ReLU (max commutes with a monotone map) on 4x fewer values.
    /// A forward with training == false is then not followed by a backward; set false where one is.
    public var fuseInference = true
    public init(_ layers: [Layer]) { self.layers = layers }
    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }
    public var buffers: [(String, Tensor)] { layers.flatMap { $0.buffers } }
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var h = x
        var i = 0
        while i < layers.count {
            if !training && fuseInference {
                (h, i) = inferenceStep(at: i, h)
                continue
            }
            let l = layers[i], input = h
            h = LayerProfiler.time("fwd \(type(of: l)) \(input.shape)") { l.forward(input, training: training) }
            i += 1
        }
        return h
    }

    /// One inference step from layer i: Conv + BatchNorm folded (then ReLU + MaxPool as MaxPool + ReLU when they
    /// follow), or one layer. Returns the output and the index of the next layer. outputFrames as in
    /// `Conv.forward(_:foldingInference:outputFrames:)` (a folded 3D convolution may skip frames).
    private func inferenceStep(at i: Int, _ x: Tensor, outputFrames: [Range<Int>]? = nil) -> (Tensor, Int) {
        if layers[i] is Upsample2x, i + 1 < layers.count, let conv = layers[i + 1] as? Conv, conv.fusesWithUpsampling {
            let bn = i + 2 < layers.count ? layers[i + 2] as? BatchNorm : nil
            let y = LayerProfiler.time("fwd Upsample+Conv\(bn == nil ? "" : "+BN") \(x.shape)") {
                conv.forward(upsampling: x, foldingInference: bn)
            }
            return (y, i + (bn == nil ? 2 : 3))
        }
        guard let conv = layers[i] as? Conv, i + 1 < layers.count, let bn = layers[i + 1] as? BatchNorm else {
            let l = layers[i]
            return (LayerProfiler.time("fwd \(type(of: l)) \(x.shape)") { l.forward(x, training: false) }, i + 1)
        }
        let label = outputFrames == nil ? "" : " (frames \(outputFrames!.map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ",")))"
        let pool = i + 3 < layers.count && layers[i + 2] is ReLU ? layers[i + 3] as? MaxPool : nil
        if let pool, pool.kernel == (1, 2, 2), pool.is3D, let plan = conv.reluPoolingPlan(for: x) {
            let pooled = LayerProfiler.time("fwd Conv+BN+ReLU+MaxPool \(x.shape)\(label)") {
                conv.forwardReLUPooled(x, foldingInference: bn, plan, outputFrames: outputFrames)
            }
            return (pooled, i + 4)
        }
        let convOut = LayerProfiler.time("fwd Conv+BN \(x.shape)\(label)") {
            conv.forward(x, foldingInference: bn, outputFrames: outputFrames)
        }
        guard let pool else { return (convOut, i + 2) }
        let pooled = LayerProfiler.time("fwd MaxPool+ReLU \(convOut.shape)") {
            if let fused = pool.forwardReLUInference(convOut) { return fused }
            let pooled = pool.forward(convOut, training: false)
            reluForward(out: pooled.data, inp: pooled.data, n: pooled.count)
            return pooled
        }
        return (pooled, i + 4)
    }

    /// Inference of `x` through this network and of `y` through `twin` (the same layers, built with `sharing:`),
    /// where some frames of `y` are frames of `x`: frame t of `y` equals frame `sourceFrame[t]` of `x` (nil: its own).
    /// Inputs are (N, C, T, H, W). Twin output frames that depend only on shared input frames (through
    /// stride-1 temporal convolutions and per-frame layers) are copied from this network's outputs instead of being
    /// computed; the results equal two separate `forward(_:training: false)` calls.
    public func forwardInferencePair(_ x: Tensor, twin: Sequential, _ y: Tensor, sourceFrame: [Int?]) -> (Tensor, Tensor) {
        precondition(twin.layers.count == layers.count && x.shape.count == 5 && y.shape.count == 5
                     && sourceFrame.count == y.shape[2], "forwardInferencePair: mismatched networks or inputs")
        var a = x, b = y
        var map: [Int?]? = sourceFrame   // nil once no frame can be shared any more
        var i = 0
        while i < layers.count {
            let (outA, next) = fuseInference ? inferenceStep(at: i, a) : (layers[i].forward(a, training: false), i + 1)
            let block = layers[i..<next]
            map = map.flatMap { Self.framesAfter(block, $0, firstFrames: a.shape[2]) }
            if fuseInference, let m = map, block.first is Conv, outA.shape.count == 5, m.contains(where: { $0 != nil }) {
                let runs = Self.runs(of: m.indices.filter { m[$0] == nil })
                (b, _) = twin.inferenceStep(at: i, b, outputFrames: runs)
                Self.copyFrames(from: outA, to: b, map: m)
            } else {
                (b, _) = fuseInference ? twin.inferenceStep(at: i, b) : (twin.layers[i].forward(b, training: false), i + 1)
            }
            a = outA
            i = next
        }
        return (a, b)
    }

    /// The frame map after `block`: output frame p of the twin equals output frame q of the first pass when every
    /// temporal tap reads equal frames (or padding on both sides). nil when a layer mixes frames in another way.
    private static func framesAfter(_ block: ArraySlice<Layer>, _ map: [Int?], firstFrames: Int) -> [Int?]? {
        var m = map, dx = firstFrames
        for layer in block {
            switch layer {
            case let conv as Conv:
                guard conv.is3D, conv.stride.0 == 1 else { return nil }
                let (k, pad) = (conv.kernel.0, conv.padding.0)
                let dy = m.count + 2 * pad - k + 1, dxOut = dx + 2 * pad - k + 1
                m = (0..<dy).map { p in
                    (0..<dxOut).first { q in
                        (0..<k).allSatisfy { j in
                            let iy = p - pad + j, ix = q - pad + j
                            let yIn = iy >= 0 && iy < m.count, xIn = ix >= 0 && ix < dx
                            return yIn == xIn && (!yIn || m[iy] == ix)
                        }
                    }
                }
                dx = dxOut
            case let pool as MaxPool:
                guard pool.is3D, pool.kernel.0 == 1 else { return nil }
            case is BatchNorm, is ReLU, is LeakyReLU, is Sigmoid: break
            default: return nil
            }
        }
        return m
    }

    /// Sorted indices as contiguous runs.
    private static func runs(of indices: [Int]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for t in indices {
            if let last = out.last, last.upperBound == t { out[out.count - 1] = last.lowerBound..<(t + 1) } else { out.append(t..<(t + 1)) }
        }
        return out
    }

    /// dst[:, :, p] = src[:, :, map[p]] for every mapped frame p; both (N, C, T, H, W) with equal N, C, H, W.
    private static func copyFrames(from src: Tensor, to dst: Tensor, map: [Int?]) {
        let (n, c, ts, td) = (src.shape[0], src.shape[1], src.shape[2], dst.shape[2])
        let hw = src.shape[3] * src.shape[4]
        precondition(dst.shape[0] == n && dst.shape[1] == c && dst.shape[3] * dst.shape[4] == hw, "copyFrames: shapes differ")
        for nc in 0..<(n * c) {
            for (p, q) in map.enumerated() {
                guard let q else { continue }
                (dst.data + (nc * td + p) * hw).update(from: src.data + (nc * ts + q) * hw, count: hw)
            }
        }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var g = dy
        for l in layers.reversed() {
            let grad = g
            g = LayerProfiler.time("bwd \(type(of: l)) \(grad.shape)") { l.backward(grad) }
        }
        return g
    }
}
