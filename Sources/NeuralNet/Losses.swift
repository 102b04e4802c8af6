// Losses, all reduced by the mean (PyTorch's default reduction).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Softmax + cross-entropy. logits (N, K), labels (N) in 0..<K; probs (N, K) saved for backward.
/// Returns mean over N of -log softmax(logits)[label].
public func softmaxCrossEntropyForward(probs: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                                       labels: UnsafePointer<Int32>, n: Int, k: Int) -> Float {
    var loss: Double = 0
    for b in 0..<n {
        let z = logits + b * k, p = probs + b * k
        var mx = -Float.infinity
        for j in 0..<k { mx = max(mx, z[j]) }
        var sum: Float = 0
        for j in 0..<k { p[j] = expf(z[j] - mx); sum += p[j] }
        for j in 0..<k { p[j] /= sum }
        let y = Int(labels[b])
        loss -= Double(z[y] - mx - logf(sum))
    }
    return Float(loss / Double(n))
}
/// dlogits (N, K) += dloss * (probs - onehot(labels)) / N
public func softmaxCrossEntropyBackward(dlogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>,
                                        labels: UnsafePointer<Int32>, n: Int, k: Int, dloss: Float = 1) {
    let scale = dloss / Float(n)
    for b in 0..<n {
        let y = Int(labels[b])
        for j in 0..<k { dlogits[b * k + j] += scale * (probs[b * k + j] - (j == y ? 1 : 0)) }
    }
}

/// mean |pred - target| over n elements.
public func l1LossForward(pred: UnsafePointer<Float>, target: UnsafePointer<Float>, n: Int) -> Float {
    var acc: Double = 0
    for i in 0..<n { acc += Double(abs(pred[i] - target[i])) }
    return Float(acc / Double(n))
}
/// dpred (n) += dloss * sign(pred - target) / n  (sign(0) = 0, as PyTorch)
public func l1LossBackward(dpred: UnsafeMutablePointer<Float>, pred: UnsafePointer<Float>, target: UnsafePointer<Float>,
                           n: Int, dloss: Float = 1) {
    let scale = dloss / Float(n)
    for i in 0..<n {
        let d = pred[i] - target[i]
        dpred[i] += d > 0 ? scale : (d < 0 ? -scale : 0)
    }
}

/// mean (pred - target)^2 over n elements.
public func mseLossForward(pred: UnsafePointer<Float>, target: UnsafePointer<Float>, n: Int) -> Float {
    var acc: Double = 0
    for i in 0..<n { let d = Double(pred[i] - target[i]); acc += d * d }
    return Float(acc / Double(n))
}
/// dpred (n) += dloss * 2 (pred - target) / n
public func mseLossBackward(dpred: UnsafeMutablePointer<Float>, pred: UnsafePointer<Float>, target: UnsafePointer<Float>,
                            n: Int, dloss: Float = 1) {
    let scale = 2 * dloss / Float(n)
    for i in 0..<n { dpred[i] += scale * (pred[i] - target[i]) }
}
