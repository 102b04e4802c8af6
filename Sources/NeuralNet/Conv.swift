// Convolution, 3D and 2D (2D = 3D with depth 1 and kernel depth 1).
// Fast path: vol2col per batch item + cblas_sgemm. Naive direct kernels kept as references for tests.
//   N = batch, C = in channels, O = out channels, (D, H, W) input extent, (OD, OH, OW) output extent,
//   K = C*KD*KH*KW (rows of the column matrix), P = OD*OH*OW (columns).
import CBLAS

public struct ConvShape: Sendable, Equatable {
    public var n, c, d, h, w: Int
    public var o: Int
    public var kd, kh, kw: Int
    public var sd, sh, sw: Int
    public var pd, ph, pw: Int

    public init(n: Int, c: Int, d: Int, h: Int, w: Int, o: Int,
                kernel: (Int, Int, Int), stride: (Int, Int, Int) = (1, 1, 1), padding: (Int, Int, Int) = (0, 0, 0)) {
        self.n = n; self.c = c; self.d = d; self.h = h; self.w = w; self.o = o
        (kd, kh, kw) = kernel; (sd, sh, sw) = stride; (pd, ph, pw) = padding
    }
    /// 2D convenience: NCHW input, depth 1.
    public init(n: Int, c: Int, h: Int, w: Int, o: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) {
        self.init(n: n, c: c, d: 1, h: h, w: w, o: o, kernel: (1, kernel.0, kernel.1),
                  stride: (1, stride.0, stride.1), padding: (0, padding.0, padding.1))
    }
    public var od: Int { (d + 2 * pd - kd) / sd + 1 }
    public var oh: Int { (h + 2 * ph - kh) / sh + 1 }
    public var ow: Int { (w + 2 * pw - kw) / sw + 1 }
    public var k: Int { c * kd * kh * kw }
    public var p: Int { od * oh * ow }
    public var inSize: Int { c * d * h * w }   // per batch item
    public var outSize: Int { o * p }          // per batch item
    /// The Swift workers a batch of this shape is split over (one item at least each).
    public var workers: Int { min(Threads.swiftWorkers, max(n, 1)) }
    /// The runs of output frames a forward pass computes: `outputFrames` (all frames when nil) clipped to the output,
    /// empty runs dropped.
    public func outputFrameRuns(_ outputFrames: [Range<Int>]?) -> [Range<Int>] {
        (outputFrames ?? [0..<od]).map { $0.clamped(to: 0..<od) }.filter { !$0.isEmpty }
    }
}

// col (K, P) <- inp_n (C, D, H, W); out-of-range taps read 0.
// ld = row stride of col (default P), channelStride = distance between input channels (default D*H*W).
@inline(__always)
func vol2col(_ col: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ s: ConvShape,
             ld: Int? = nil, channelStride: Int? = nil) {
    let od = s.od, oh = s.oh, ow = s.ow, p = ld ?? s.p, cs = channelStride ?? s.d * s.h * s.w
    var row = 0
    for c in 0..<s.c {
        let inpC = inp + c * cs
        for kz in 0..<s.kd { for ky in 0..<s.kh { for kx in 0..<s.kw {
            let colRow = col + row * p
            var q = 0
            for z in 0..<od {
                let iz = z * s.sd - s.pd + kz
                if iz < 0 || iz >= s.d { (colRow + q).update(repeating: 0, count: oh * ow); q += oh * ow; continue }
                for y in 0..<oh {
                    let iy = y * s.sh - s.ph + ky
                    if iy < 0 || iy >= s.h { (colRow + q).update(repeating: 0, count: ow); q += ow; continue }
                    let src = inpC + (iz * s.h + iy) * s.w
                    if s.sw == 1 {
                        // contiguous run: x in [x0, x1) reads src[x - pw + kx]
                        let off = kx - s.pw
                        let x0 = max(0, -off), x1 = min(ow, s.w - off)
                        if x1 <= x0 { (colRow + q).update(repeating: 0, count: ow) } else {
                            if x0 > 0 { (colRow + q).update(repeating: 0, count: x0) }
                            if x1 < ow { (colRow + q + x1).update(repeating: 0, count: ow - x1) }
                            let dst = colRow + q + x0, from = src + x0 + off
                            for x in 0..<(x1 - x0) { dst[x] = from[x] }
                        }
                    } else {
                        for x in 0..<ow {
                            let ix = x * s.sw - s.pw + kx
                            colRow[q + x] = (ix >= 0 && ix < s.w) ? src[ix] : 0
                        }
                    }
                    q += ow
                }
            }
            row += 1
        }}}
    }
}

// dinp_n (C, D, H, W) += col2vol(dcol (K, P)); ld and channelStride as in vol2col.
@inline(__always)
func col2vol(_ dinp: UnsafeMutablePointer<Float>, _ col: UnsafePointer<Float>, _ s: ConvShape,
             ld: Int? = nil, channelStride: Int? = nil) {
    let od = s.od, oh = s.oh, ow = s.ow, p = ld ?? s.p, cs = channelStride ?? s.d * s.h * s.w
    var row = 0
    for c in 0..<s.c {
        let dC = dinp + c * cs
        for kz in 0..<s.kd { for ky in 0..<s.kh { for kx in 0..<s.kw {
            let colRow = col + row * p
            var q = 0
            for z in 0..<od {
                let iz = z * s.sd - s.pd + kz
                if iz < 0 || iz >= s.d { q += oh * ow; continue }
                for y in 0..<oh {
                    let iy = y * s.sh - s.ph + ky
                    if iy < 0 || iy >= s.h { q += ow; continue }
                    let dst = dC + (iz * s.h + iy) * s.w
                    if s.sw == 1 {
                        let off = kx - s.pw
                        let x0 = max(0, -off), x1 = min(ow, s.w - off)
                        if x1 > x0 {
                            let d = dst + x0 + off, c = colRow + q + x0
                            for x in 0..<(x1 - x0) { d[x] += c[x] }
                        }
                    } else {
                        for x in 0..<ow {
                            let ix = x * s.sw - s.pw + kx
                            if ix >= 0 && ix < s.w { dst[ix] += colRow[q + x] }
                        }
                    }
                    q += ow
                }
            }
            row += 1
        }}}
    }
}

/// out (N, O, OD, OH, OW) = conv(inp (N, C, D, H, W), weight (O, C, KD, KH, KW)) + bias (O)
/// col: workspace of workers*K*P floats (see convWorkspaceSize). Batch items are split over the Swift workers.
public func convForward(out: UnsafeMutablePointer<Float>, col: UnsafeMutablePointer<Float>,
                        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        _ s: ConvShape) {
    let k = s.k, p = s.p
    parallelChunks(s.n) { worker, items in
        let colW = col + worker * k * p       // (K, P) private to this worker
        for b in items {
            let outB = out + b * s.outSize       // (O, P)
            vol2col(colW, inp + b * s.inSize, s)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(s.o), Int32(p), Int32(k),
                        1, weight, Int32(k), colW, Int32(p), 0, outB, Int32(p))
            if let bias {
                for o in 0..<s.o {
                    let row = outB + o * p, bv = bias[o]
                    for i in 0..<p { row[i] += bv }
                }
            }
        }
    }
}

/// Floats needed by the col (and dcol) workspace of convForward / convBackward.
public func convWorkspaceSize(_ s: ConvShape) -> Int { s.workers * s.k * s.p }

/// Accumulates: dinp (N, C, D, H, W) +=, dweight (O, K) +=, dbias (O) +=.
/// dout (N, O, P). col, dcol: workspaces of convWorkspaceSize floats. dinp may be nil (first layer).
/// partial: workers*(O*K + O) floats for per-worker weight/bias gradients (unused when serial).
public func convBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                         dbias: UnsafeMutablePointer<Float>?,
                         col: UnsafeMutablePointer<Float>, dcol: UnsafeMutablePointer<Float>,
                         dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         _ s: ConvShape, partial: UnsafeMutablePointer<Float>? = nil) {
    let k = s.k, p = s.p, ok = s.o * k
    let workers = s.workers
    precondition(workers <= 1 || partial != nil, "convBackward: parallel plan needs a partial-gradient workspace")
    parallelChunks(s.n) { worker, items in
        let colW = col + worker * k * p, dcolW = dcol + worker * k * p
        // Worker 0 accumulates straight into the gradients, the others into private buffers reduced below.
        let dW = worker == 0 ? dweight : partial! + (worker - 1) * (ok + s.o)
        let dB: UnsafeMutablePointer<Float>? = worker == 0 ? dbias : partial! + (worker - 1) * (ok + s.o) + ok
        if worker > 0 { dW.update(repeating: 0, count: ok + s.o) }
        for b in items {
            let doutB = dout + b * s.outSize     // (O, P)
            if let dB {
                for o in 0..<s.o {
                    let row = doutB + o * p
                    var acc: Float = 0
                    for i in 0..<p { acc += row[i] }
                    dB[o] += acc
                }
            }
            vol2col(colW, inp + b * s.inSize, s)  // (K, P)
            // dweight (O, K) += dout_b (O, P) * col^T (P, K)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(s.o), Int32(k), Int32(p),
                        1, doutB, Int32(p), colW, Int32(p), 1, dW, Int32(k))
            if let dinp {
                // dcol (K, P) = weight^T (K, O) * dout_b (O, P)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(p), Int32(s.o),
                            1, weight, Int32(k), doutB, Int32(p), 0, dcolW, Int32(p))
                col2vol(dinp + b * s.inSize, dcolW, s)
            }
        }
    }
    if workers > 1, let partial {
        for w in 1..<workers {
            let src = partial + (w - 1) * (ok + s.o)
            for i in 0..<ok { dweight[i] += src[i] }
            if let dbias { for o in 0..<s.o { dbias[o] += src[ok + o] } }
        }
    }
}

// MARK: - 3D convolution with depth stride 1 as a sum of frame-shifted 2D GEMMs
// The 2D column matrix of every (zero-padded) input frame is built once, laid out frame after frame:
//   col2 (K2, F*Q), K2 = C*KH*KW, Q = OH*OW, F = D + 2*PD.
// Output frame z reads padded frames z..z+KD-1, so for each kz the whole output (O, OD*Q) is one GEMM
// against col2 shifted by kz*Q columns (row stride F*Q). im2col work drops by a factor KD.

public struct ShiftedConvPlan: Sendable {
    public let s: ConvShape
    public let s2: ConvShape   // one frame, 2D
    public var k2: Int { s2.k }
    public var q: Int { s2.p }
    public var frames: Int { s.d + 2 * s.pd }
    public init(_ s: ConvShape) {
        precondition(s.sd == 1, "shifted conv needs depth stride 1")
        self.s = s
        s2 = ConvShape(n: 1, c: s.c, d: 1, h: s.h, w: s.w, o: s.o, kernel: (1, s.kh, s.kw),
                       stride: (1, s.sh, s.sw), padding: (0, s.ph, s.pw))
    }
    public var workers: Int { s.workers }
    /// Floats of col (and dcol) workspace for all workers.
    public var colSize: Int { workers * k2 * frames * q }
    /// Floats of the reordered weight (KD, O, K2).
    public var weightSize: Int { s.kd * s.o * k2 }
}

// col2 (K2, F*Q) <- the padded frames `padded` (default all) of inp_n (C, D, H, W), zero frames at the depth padding.
@inline(__always)
func frames2col(_ col: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ pl: ShiftedConvPlan,
                padded: Range<Int>? = nil) {
    let ld = pl.frames * pl.q, hw = pl.s.h * pl.s.w
    for f in padded ?? 0..<pl.frames {
        let z = f - pl.s.pd
        if z < 0 || z >= pl.s.d {
            for r in 0..<pl.k2 { (col + r * ld + f * pl.q).update(repeating: 0, count: pl.q) }
        } else {
            vol2col(col + f * pl.q, inp + z * hw, pl.s2, ld: ld, channelStride: pl.s.d * hw)
        }
    }
}

/// wr (KD, O, K2) <- weight (O, C, KD, KH, KW)
public func reorderConvWeight(_ wr: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ pl: ShiftedConvPlan) {
    let s = pl.s, khw = s.kh * s.kw
    for o in 0..<s.o { for c in 0..<s.c { for kz in 0..<s.kd { for j in 0..<khw {
        wr[(kz * s.o + o) * pl.k2 + c * khw + j] = weight[((o * s.c + c) * s.kd + kz) * khw + j]
    }}}}
}

/// out (N, O, OD, OH, OW) = conv(inp (N, C, D, H, W)) + bias, via frame-shifted GEMMs.
/// wr: (KD, O, K2) from reorderConvWeight; col: ShiftedConvPlan.colSize floats.
/// outputFrames: the runs of output frames to compute (default all); the other frames of `out` are left untouched.
public func convShiftedForward(out: UnsafeMutablePointer<Float>, col: UnsafeMutablePointer<Float>,
                               inp: UnsafePointer<Float>, wr: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               _ pl: ShiftedConvPlan, outputFrames: [Range<Int>]? = nil) {
    let s = pl.s, k2 = pl.k2, ld = pl.frames * pl.q, q = pl.q, n = s.od * q
    let runs = s.outputFrameRuns(outputFrames)
    parallelChunks(s.n) { worker, items in
        let colW = col + worker * k2 * ld
        for b in items {
            let outB = out + b * s.outSize       // (O, OD*Q)
            for run in runs {
                // Output frame z reads padded frames z ..< z + KD.
                frames2col(colW, inp + b * s.inSize, pl, padded: run.lowerBound..<(run.upperBound + s.kd - 1))
                let cols = run.count * q, outRun = outB + run.lowerBound * q
                for o in 0..<s.o { (outRun + o * n).update(repeating: bias?[o] ?? 0, count: cols) }
                for kz in 0..<s.kd {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(s.o), Int32(cols), Int32(k2),
                                1, wr + kz * s.o * k2, Int32(k2), colW + (run.lowerBound + kz) * q, Int32(ld),
                                1, outRun, Int32(n))
                }
            }
        }
    }
}

/// Accumulates dinp (N, C, D, H, W) +=, dweight (O, C, KD, KH, KW) +=, dbias (O) +=, from dout (N, O, OD*Q).
/// col, dcol: colSize floats; dwr: workers * weightSize floats (per-worker reordered weight gradients).
public func convShiftedBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                                dbias: UnsafeMutablePointer<Float>?,
                                col: UnsafeMutablePointer<Float>, dcol: UnsafeMutablePointer<Float>,
                                dwr: UnsafeMutablePointer<Float>,
                                dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, wr: UnsafePointer<Float>,
                                _ pl: ShiftedConvPlan) {
    let s = pl.s, k2 = pl.k2, ld = pl.frames * pl.q, n = s.od * pl.q, hw = s.h * s.w
    let workers = pl.workers
    dwr.update(repeating: 0, count: workers * pl.weightSize)
    parallelChunks(s.n) { worker, items in
        let colW = col + worker * k2 * ld, dcolW = dcol + worker * k2 * ld
        let dW = dwr + worker * pl.weightSize
        for b in items {
            let doutB = dout + b * s.outSize
            frames2col(colW, inp + b * s.inSize, pl)
            for kz in 0..<s.kd {
                // dWr_kz (O, K2) += dout_b (O, OD*Q) * shifted col^T (OD*Q, K2)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(s.o), Int32(k2), Int32(n),
                            1, doutB, Int32(n), colW + kz * pl.q, Int32(ld), 1, dW + kz * s.o * k2, Int32(k2))
            }
            guard let dinp else { continue }
            dcolW.update(repeating: 0, count: k2 * ld)
            for kz in 0..<s.kd {
                // shifted dcol (K2, OD*Q) += Wr_kz^T (K2, O) * dout_b (O, OD*Q)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k2), Int32(n), Int32(s.o),
                            1, wr + kz * s.o * k2, Int32(k2), doutB, Int32(n), 1, dcolW + kz * pl.q, Int32(ld))
            }
            for f in 0..<pl.frames {
                let z = f - s.pd
                if z < 0 || z >= s.d { continue }
                col2vol(dinp + b * s.inSize + z * hw, dcolW + f * pl.q, pl.s2, ld: ld, channelStride: s.d * hw)
            }
        }
    }
    // Reduce the per-worker reordered gradients into dweight (O, C, KD, KH, KW), and the bias.
    let khw = s.kh * s.kw
    for w in 0..<workers {
        let src = dwr + w * pl.weightSize
        for o in 0..<s.o { for c in 0..<s.c { for kz in 0..<s.kd { for j in 0..<khw {
            dweight[((o * s.c + c) * s.kd + kz) * khw + j] += src[(kz * s.o + o) * k2 + c * khw + j]
        }}}}
    }
    if let dbias {
        for b in 0..<s.n { for o in 0..<s.o {
            let row = dout + b * s.outSize + o * n
            var acc: Float = 0
            for i in 0..<n { acc += row[i] }
            dbias[o] += acc
        }}
    }
}

// MARK: - Naive direct reference kernels (tests only; any shape)

/// out (N, O, OD, OH, OW) = direct convolution of inp (N, C, D, H, W) with weight (O, C, KD, KH, KW) + bias.
public func convForwardNaive(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, _ s: ConvShape) {
    let od = s.od, oh = s.oh, ow = s.ow
    for b in 0..<s.n { for o in 0..<s.o { for z in 0..<od { for y in 0..<oh { for x in 0..<ow {
        var acc = Double(bias?[o] ?? 0)
        for c in 0..<s.c { for kz in 0..<s.kd { for ky in 0..<s.kh { for kx in 0..<s.kw {
            let iz = z * s.sd - s.pd + kz, iy = y * s.sh - s.ph + ky, ix = x * s.sw - s.pw + kx
            guard iz >= 0, iz < s.d, iy >= 0, iy < s.h, ix >= 0, ix < s.w else { continue }
            let wv = weight[(((o * s.c + c) * s.kd + kz) * s.kh + ky) * s.kw + kx]
            acc += Double(wv) * Double(inp[(((b * s.c + c) * s.d + iz) * s.h + iy) * s.w + ix])
        }}}}
        out[(((b * s.o + o) * od + z) * oh + y) * ow + x] = Float(acc)
    }}}}}
}

/// Naive backward, accumulating like the fast one.
public func convBackwardNaive(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                              dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                              inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, _ s: ConvShape) {
    let od = s.od, oh = s.oh, ow = s.ow
    for b in 0..<s.n { for o in 0..<s.o { for z in 0..<od { for y in 0..<oh { for x in 0..<ow {
        let g = dout[(((b * s.o + o) * od + z) * oh + y) * ow + x]
        dbias?[o] += g
        for c in 0..<s.c { for kz in 0..<s.kd { for ky in 0..<s.kh { for kx in 0..<s.kw {
            let iz = z * s.sd - s.pd + kz, iy = y * s.sh - s.ph + ky, ix = x * s.sw - s.pw + kx
            guard iz >= 0, iz < s.d, iy >= 0, iy < s.h, ix >= 0, ix < s.w else { continue }
            let wi = (((o * s.c + c) * s.kd + kz) * s.kh + ky) * s.kw + kx
            let ii = (((b * s.c + c) * s.d + iz) * s.h + iy) * s.w + ix
            dweight[wi] += g * inp[ii]
            dinp?[ii] += g * weight[wi]
        }}}}
    }}}}}
}
