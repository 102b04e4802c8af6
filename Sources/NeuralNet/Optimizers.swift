// Optimizers over a flat list of Parameters. Gradients are read, never cleared: call zeroGrad once per step.

public func zeroGrad(_ params: [Parameter]) { for p in params { p.grad.zero() } }

public enum WeightDecay: Sendable, Equatable {
    case none
    case l2(Float)         // added to the gradient (torch.optim.Adam weight_decay)
    case decoupled(Float)  // p -= lr * wd * p before the Adam update (torch.optim.AdamW)
}

/// Adam with PyTorch's bias correction: p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
public final class Adam {
    public var lr: Float
    public let beta1: Float, beta2: Float, eps: Float
    public let weightDecay: WeightDecay
    public private(set) var step = 0
    public let params: [Parameter]
    public let m: [Tensor], v: [Tensor]

    public init(params: [Parameter], lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                weightDecay: WeightDecay = .none) {
        self.params = params; self.lr = lr; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay
        m = params.map { Tensor(shape: $0.value.shape) }
        v = params.map { Tensor(shape: $0.value.shape) }
    }

    /// Restores the step counter (for resuming from a checkpoint together with m and v).
    public func setStep(_ s: Int) { step = s }

    public func update() {
        step += 1
        let bc1 = 1 - Float(Double(beta1).power(step)), bc2 = 1 - Float(Double(beta2).power(step))
        let stepSize = lr / bc1, bc2Sqrt = bc2.squareRoot()
        for (idx, p) in params.enumerated() {
            let w = p.value.data, g = p.grad.data, mm = m[idx].data, vv = v[idx].data
            for i in 0..<p.value.count {
                var gi = g[i]
                switch weightDecay {
                case .none: break
                case .l2(let wd): gi += wd * w[i]
                case .decoupled(let wd): w[i] -= lr * wd * w[i]
                }
                mm[i] = beta1 * mm[i] + (1 - beta1) * gi
                vv[i] = beta2 * vv[i] + (1 - beta2) * gi * gi
                w[i] -= stepSize * mm[i] / (vv[i].squareRoot() / bc2Sqrt + eps)
            }
        }
    }
}

/// SGD with momentum (PyTorch convention, dampening 0): buf = mu*buf + g (buf = g at the first step); p -= lr*buf.
public final class SGD {
    public var lr: Float
    public let momentum: Float, weightDecay: Float
    public let params: [Parameter]
    private var buffers: [Tensor]
    private var started = false

    public init(params: [Parameter], lr: Float, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.params = params; self.lr = lr; self.momentum = momentum; self.weightDecay = weightDecay
        buffers = params.map { Tensor(shape: $0.value.shape) }
    }

    public func update() {
        for (idx, p) in params.enumerated() {
            let w = p.value.data, g = p.grad.data, b = buffers[idx].data
            for i in 0..<p.value.count {
                let gi = g[i] + weightDecay * w[i]
                b[i] = started ? momentum * b[i] + gi : gi
                w[i] -= lr * b[i]
            }
        }
        started = true
    }
}

extension Double {
    func power(_ n: Int) -> Double { var r = 1.0; for _ in 0..<n { r *= self }; return r }
}
