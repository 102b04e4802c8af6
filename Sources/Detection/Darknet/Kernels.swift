import Foundation

/// Darknet's inference-only pieces on plain CHW buffers, where its semantics differ from PyTorch-style layers.
enum DarknetKernels {
    /// pjreddie darknet inference batch norm: (x - mean) / (sqrt(var) + 1e-6) * scale + bias, per channel.
    static let batchNormEpsilon: Float = 1e-6

    // x: (c, plane), in place.
    static func batchNormBias(_ x: UnsafeMutablePointer<Float>, channels: Int, plane: Int, weights w: LayerWeights) {
        for ch in 0..<channels {
            let p = x + ch * plane
            if w.scales.isEmpty {
                let b = w.biases[ch]
                for i in 0..<plane { p[i] += b }
            } else {
                let factor = w.scales[ch] / (w.rollingVariance[ch].squareRoot() + batchNormEpsilon)
                let shift = w.biases[ch] - w.rollingMean[ch] * factor
                for i in 0..<plane { p[i] = p[i] * factor + shift }
            }
        }
    }

    static func activate(_ x: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        switch activation {
        case .linear: return
        case .leaky: for i in 0..<count where x[i] < 0 { x[i] *= 0.1 }
        case .relu: for i in 0..<count where x[i] < 0 { x[i] = 0 }
        case .logistic: for i in 0..<count { x[i] = 1 / (1 + exp(-x[i])) }
        case .mish:
            for i in 0..<count {
                let v = x[i]
                let softplus = v > 20 ? v : (v < -20 ? exp(v) : log1p(exp(v)))
                x[i] = v * tanh(softplus)
            }
        }
    }

    // in: (c, h, w) -> out: (c, outH, outW); window starts at -padding/2, outside cells are -infinity.
    // The common 2x2 stride-2 pooling whose windows all lie inside the input takes a direct loop.
    static func maxpool(_ x: UnsafePointer<Float>, _ inShape: TensorShape, _ spec: MaxPoolSpec,
                        _ out: UnsafeMutablePointer<Float>, _ outShape: TensorShape) {
        let offset = -spec.padding / 2
        guard spec.size == 2, spec.stride == 2, offset == 0, 2 * outShape.h <= inShape.h, 2 * outShape.w <= inShape.w else {
            maxpoolReference(x, inShape, spec, out, outShape)
            return
        }
        let w = inShape.w, ow = outShape.w
        for ch in 0..<inShape.c {
            let plane = x + ch * inShape.h * w
            let outPlane = out + ch * outShape.h * ow
            for oy in 0..<outShape.h {
                let top = plane + 2 * oy * w, bottom = top + w, dst = outPlane + oy * ow
                for ox in 0..<ow {
                    dst[ox] = max(max(top[2 * ox], top[2 * ox + 1]), max(bottom[2 * ox], bottom[2 * ox + 1]))
                }
            }
        }
    }

    // The general darknet maxpool (any size, stride and padding): the reference the fast path is tested against.
    static func maxpoolReference(_ x: UnsafePointer<Float>, _ inShape: TensorShape, _ spec: MaxPoolSpec,
                        _ out: UnsafeMutablePointer<Float>, _ outShape: TensorShape) {
        let offset = -spec.padding / 2
        // Valid window ranges per output row / column, computed once (no bounds checks in the inner loops).
        let rows = (0..<outShape.h).map { oy -> Range<Int> in
            let y0 = offset + oy * spec.stride
            return max(0, y0)..<min(inShape.h, y0 + spec.size)
        }
        let cols = (0..<outShape.w).map { ox -> Range<Int> in
            let x0 = offset + ox * spec.stride
            return max(0, x0)..<min(inShape.w, x0 + spec.size)
        }
        for ch in 0..<inShape.c {
            let plane = x + ch * inShape.h * inShape.w
            let outPlane = out + ch * outShape.h * outShape.w
            for oy in 0..<outShape.h {
                let yr = rows[oy]
                for ox in 0..<outShape.w {
                    let xr = cols[ox]
                    var best = -Float.greatestFiniteMagnitude
                    for y in yr {
                        let row = plane + y * inShape.w
                        for xx in xr { best = max(best, row[xx]) }
                    }
                    outPlane[oy * outShape.w + ox] = best
                }
            }
        }
    }

    // global average: (c, h, w) -> (c)
    static func avgpool(_ x: UnsafePointer<Float>, _ inShape: TensorShape, _ out: UnsafeMutablePointer<Float>) {
        let plane = inShape.h * inShape.w
        for ch in 0..<inShape.c {
            var sum: Float = 0
            for i in 0..<plane { sum += x[ch * plane + i] }
            out[ch] = sum / Float(plane)
        }
    }

    // nearest neighbour: out[c][y][x] = scale * in[c][y/stride][x/stride]
    static func upsample(_ x: UnsafePointer<Float>, _ inShape: TensorShape, stride: Int, scale: Float,
                         _ out: UnsafeMutablePointer<Float>) {
        let ow = inShape.w * stride, oh = inShape.h * stride
        for ch in 0..<inShape.c {
            for y in 0..<oh {
                let src = x + (ch * inShape.h + y / stride) * inShape.w
                let dst = out + (ch * oh + y) * ow
                for xx in 0..<ow { dst[xx] = scale * src[xx / stride] }
            }
        }
    }

    // softmax over each of `groups` consecutive slices.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int, groups: Int) {
        let size = count / groups
        for g in 0..<groups {
            let p = x + g * size
            var largest = -Float.infinity
            for i in 0..<size { largest = max(largest, p[i]) }
            var sum: Float = 0
            for i in 0..<size { p[i] = exp(p[i] - largest); sum += p[i] }
            for i in 0..<size { p[i] /= sum }
        }
    }
}
