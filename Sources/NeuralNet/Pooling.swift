// Max pooling (3D, and 2D as depth 1), global temporal max, nearest upsampling x2.
// Pooling windows are non-overlapping or strided, no padding; argmax indices are saved for backward.

public struct PoolShape: Sendable, Equatable {
    public var n, c, d, h, w: Int
    public var kd, kh, kw: Int
    public var sd, sh, sw: Int
    public init(n: Int, c: Int, d: Int, h: Int, w: Int, kernel: (Int, Int, Int), stride: (Int, Int, Int)? = nil) {
        self.n = n; self.c = c; self.d = d; self.h = h; self.w = w
        (kd, kh, kw) = kernel
        (sd, sh, sw) = stride ?? kernel
    }
    public init(n: Int, c: Int, h: Int, w: Int, kernel: (Int, Int), stride: (Int, Int)? = nil) {
        let st = stride ?? kernel
        self.init(n: n, c: c, d: 1, h: h, w: w, kernel: (1, kernel.0, kernel.1), stride: (1, st.0, st.1))
    }
    public var od: Int { (d - kd) / sd + 1 }
    public var oh: Int { (h - kh) / sh + 1 }
    public var ow: Int { (w - kw) / sw + 1 }
    public var outCount: Int { n * c * od * oh * ow }
}

/// out (N, C, OD, OH, OW) = max over each window of inp (N, C, D, H, W); argmax (same size as out) = flat input index.
public func maxPoolForward(out: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>,
                           inp: UnsafePointer<Float>, _ s: PoolShape) {
    let od = s.od, oh = s.oh, ow = s.ow
    if s.kd == 1, s.kh == 2, s.kw == 2, s.sd == 1, s.sh == 2, s.sw == 2 {
        // Fast path for the (1, 2, 2) windows of the network; same tie rule (first maximum wins).
        parallelChunks(s.n * s.c * s.d) { _, planes in
            for plane in planes {
                let base = plane * s.h * s.w
                var o = plane * oh * ow
                for y in 0..<oh {
                    let r0 = base + 2 * y * s.w, r1 = r0 + s.w
                    for x in 0..<ow {
                        var bi = r0 + 2 * x, best = inp[bi]
                        if inp[r0 + 2 * x + 1] > best { bi = r0 + 2 * x + 1; best = inp[bi] }
                        if inp[r1 + 2 * x] > best { bi = r1 + 2 * x; best = inp[bi] }
                        if inp[r1 + 2 * x + 1] > best { bi = r1 + 2 * x + 1; best = inp[bi] }
                        out[o] = best; argmax[o] = Int32(bi); o += 1
                    }
                }
            }
        }
        return
    }
    var o = 0
    for nc in 0..<(s.n * s.c) {
        let base = nc * s.d * s.h * s.w
        for z in 0..<od { for y in 0..<oh { for x in 0..<ow {
            var best = -Float.infinity, bi = base + ((z * s.sd) * s.h + y * s.sh) * s.w + x * s.sw
            for kz in 0..<s.kd { for ky in 0..<s.kh {
                let row = base + ((z * s.sd + kz) * s.h + y * s.sh + ky) * s.w + x * s.sw
                for kx in 0..<s.kw where inp[row + kx] > best { best = inp[row + kx]; bi = row + kx }
            }}
            out[o] = best; argmax[o] = Int32(bi); o += 1
        }}}
    }
}

/// Inference: out (planes, H/2, W/2) = max(0, max over each 2x2 window of inp (planes, H, W)), i.e. ReLU then
/// 2x2 max pooling (they commute), with no argmax to record, so the loops vectorise. H and W even.
public func maxPool2x2ReLUForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, planes: Int, h: Int, w: Int) {
    let oh = h / 2, ow = w / 2
    parallelChunks(planes) { _, range in
        for plane in range {
            let src = inp + plane * h * w, dst = out + plane * oh * ow
            for y in 0..<oh {
                let r0 = src + 2 * y * w, r1 = r0 + w, o = dst + y * ow
                for x in 0..<ow {
                    o[x] = max(0, max(max(r0[2 * x], r0[2 * x + 1]), max(r1[2 * x], r1[2 * x + 1])))
                }
            }
        }
    }
}

/// dinp (N, C, D, H, W) += dout routed to the argmax positions.
public func maxPoolBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                            argmax: UnsafePointer<Int32>, count: Int) {
    for i in 0..<count { dinp[Int(argmax[i])] += dout[i] }
}

/// Global temporal max: out (N, C, H, W) = max over T of inp (N, C, T, H, W); argmax = flat input index.
public func temporalMaxForward(out: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>,
                               inp: UnsafePointer<Float>, nc: Int, t: Int, hw: Int) {
    for i in 0..<nc {
        let src = inp + i * t * hw, dst = out + i * hw, am = argmax + i * hw
        for j in 0..<hw { dst[j] = src[j]; am[j] = Int32(i * t * hw + j) }
        for tt in 1..<max(t, 1) {
            let s = src + tt * hw
            for j in 0..<hw where s[j] > dst[j] { dst[j] = s[j]; am[j] = Int32(i * t * hw + tt * hw + j) }
        }
    }
}

/// Nearest upsampling x2: out (N, C, 2H, 2W) from inp (N, C, H, W).
public func upsample2xForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, nc: Int, h: Int, w: Int) {
    let w2 = 2 * w
    for i in 0..<nc {
        let src = inp + i * h * w, dst = out + i * 4 * h * w
        for y in 0..<h {
            let r0 = dst + (2 * y) * w2
            for x in 0..<w { let v = src[y * w + x]; r0[2 * x] = v; r0[2 * x + 1] = v }
            (r0 + w2).update(from: r0, count: w2)
        }
    }
}
/// dinp (N, C, H, W) += sum of the 4 children in dout (N, C, 2H, 2W).
public func upsample2xBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, nc: Int, h: Int, w: Int) {
    let w2 = 2 * w
    for i in 0..<nc {
        let src = dout + i * 4 * h * w, dst = dinp + i * h * w
        for y in 0..<h {
            let r0 = src + (2 * y) * w2, r1 = r0 + w2
            for x in 0..<w { dst[y * w + x] += r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] }
        }
    }
}
