// Exponential moving average of a network's tensors (Polyak averaging), kept beside the live weights.

/// After every optimiser step, `shadow = d·shadow + (1 − d)·live` for each tracked tensor, with the warm-up
/// d = min(decay, (1 + t)/(10 + t)) and t the number of updates before this one (so the first updates follow the
/// live weights closely instead of remembering the initialisation). `swap()` exchanges live and averaged values, so
/// the same network can be validated or saved with either set without a second copy of its activations.
public final class WeightAverage {
    public let decay: Float
    /// The live tensors (parameters and buffers such as BN running statistics), by name.
    public let tracked: [(String, Tensor)]
    /// The averaged values, one tensor per tracked tensor, same shapes.
    public let shadow: [Tensor]
    /// Updates made so far (stored in training checkpoints so that a resumed run continues the same warm-up).
    public private(set) var updates = 0

    /// The shadow starts as a copy of the tensors' current values.
    public init(decay: Float, tracking tensors: [(String, Tensor)]) {
        precondition(decay > 0 && decay < 1, "decay must lie in (0, 1)")
        self.decay = decay
        tracked = tensors
        shadow = tensors.map { _, t in
            let copy = Tensor(shape: t.shape)
            copy.data.update(from: t.data, count: t.count)
            return copy
        }
    }

    /// The factor the shadow keeps at update number `t` (0-based).
    public static func factor(decay: Float, update t: Int) -> Float {
        min(decay, Float(1 + t) / Float(10 + t))
    }

    /// Folds the live values into the shadow (call after each optimiser step, with the live weights in place).
    public func update() {
        let d = Self.factor(decay: decay, update: updates)
        for (k, (_, live)) in tracked.enumerated() {
            let s = shadow[k].data, w = live.data
            for i in 0..<live.count { s[i] = d * s[i] + (1 - d) * w[i] }
        }
        updates += 1
    }

    /// Exchanges the live and averaged values of every tracked tensor (twice = unchanged).
    public func swap() {
        for (k, (_, live)) in tracked.enumerated() {
            let s = shadow[k].data, w = live.data
            for i in 0..<live.count { let t = s[i]; s[i] = w[i]; w[i] = t }
        }
    }

    /// Restores the update counter (for resuming together with the shadow values).
    public func setUpdates(_ n: Int) {
        precondition(n >= 0)
        updates = n
    }

    /// The shadow tensors under checkpoint names `<prefix>.<name>`.
    public func namedShadow(prefix: String) -> [(String, Tensor)] {
        zip(tracked, shadow).map { ("\(prefix).\($0.0.0)", $0.1) }
    }
}
