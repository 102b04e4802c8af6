// MARK: - 3D convolution with 3x3 spatial kernels by Winograd's F(2x2, 3x3)
//
// Every output frame of a (KD, 3, 3) convolution with spatial stride 1 and padding 1 is the sum over kz of a 2D 3x3
// convolution of padded input frame z + kz. Winograd's minimal filtering computes each 2x2 block of a 2D output from
// the 4x4 input tile around it with 16 multiplications per (input, output) channel pair instead of 36:
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// Batched over tiles and channels, the elementwise product becomes 16 GEMMs per output frame z (one per tile
// position ξ), with the temporal taps folded into the inner dimension:
//   M_ξ (O, T) = U_ξ (O, KD*C) · V_ξ (padded frames z ... z+KD-1 x C, T)
// where U = G g Gᵀ (weights, transformed once per call), V = Bᵀ d B (input tiles), T = tiles per frame. V is laid
// out frame-major, (16, F, C, T), so the KD*C rows that output frame z reads are one contiguous block with row
// stride T: no copy per tap. The multiplications drop 2.25 times; the transforms are additions only. Rounding
// differs from the direct sum by a few ulps, which the tests bound against `convForwardNaive`.
//
// Layouts, per batch item: input (C, D, H, W); V (16, F, C, T) with F = D + 2*PD padded frames; M (16, O, T) for one
// output frame; U (16, O, KD*C); output (O, OD, H, W). The 16 matrices of V and of M are one cache line further
// apart than their size (WinogradConvPlan.xiV, xiM). A tile t = ty * (W/2) + tx covers output rows 2ty, 2ty+1 and
// columns 2tx, 2tx+1, and reads input rows 2ty-1 ... 2ty+2, columns 2tx-1 ... 2tx+2 (zeros outside the frame).
import CBLAS

extension ConvShape {
    /// Can Winograd's F(m x m, 3x3) with output blocks of side m = `blockSide` take this convolution? 3x3 in space
    /// with stride 1 and padding 1 there, depth stride 1, and a frame whose sides are multiples of m.
    func isWinogradShape(blockSide m: Int) -> Bool {
        kh == 3 && kw == 3 && sd == 1 && sh == 1 && sw == 1 && ph == 1 && pw == 1 &&
            h % m == 0 && w % m == 0 && h > 0 && w > 0 && od > 0
    }
}

public struct WinogradConvPlan: Sendable {
    public let s: ConvShape
    /// Tiles per frame: (H/2) x (W/2).
    public let tileRows: Int, tileColumns: Int
    public var tiles: Int { tileRows * tileColumns }
    public var frames: Int { s.d + 2 * s.pd }

    /// nil unless the convolution is 3x3 in space with stride 1 and padding 1 everywhere spatially, depth stride 1,
    /// and an even frame height and width.
    public init?(_ s: ConvShape) {
        guard s.isWinogradShape(blockSide: 2) else { return nil }
        self.s = s
        tileRows = s.h / 2
        tileColumns = s.w / 2
    }

    public var workers: Int { s.workers }
    /// Floats of the transformed weights U.
    public var weightSize: Int { 16 * s.o * s.kd * s.c }
    /// The padded frame, rows split into even and odd columns, and room for one vector read past its end.
    var paddedSize: Int { (s.h + 2) * (s.w + 2) + 8 }
    /// V of the padded frames.
    /// Distances between the 16 matrices of V, of M and of the weight gradient's dM. The transforms touch all 16 at
    /// once; at a multiple of 4 KiB apart (as the network's layers make them) they would all fall into one set of the
    /// L1 cache, which holds 8, and evict each other: one cache line more puts each into a set of its own (the
    /// second layer's F(4x4, 3x3) ran 1.8 times as fast with it, Winograd4.swift). Layout only: results are the same.
    var xiV: Int { frames * s.c * tiles + 16 }
    var xiM: Int { s.o * tiles + 16 }
    var xiDM: Int { s.o * s.od * tiles + 16 }
    var vSize: Int { 16 * xiV }
    /// M of one output frame, and room for one vector read past its end.
    var mSize: Int { 16 * xiM + 8 }
    /// Floats of workspace per worker: the padded frame, V and M.
    var workerSize: Int { paddedSize + vSize + mSize }
    /// Floats of workspace for all workers.
    public var workspaceSize: Int { workers * workerSize }
}

/// u (16, O, KD*C) <- G g Gᵀ for every 3x3 slice g of weight (O, C, KD, 3, 3); column kz*C + c.
public func winogradTransformWeight(_ u: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ pl: WinogradConvPlan) {
    let s = pl.s
    for o in 0..<s.o {
        for c in 0..<s.c {
            for kz in 0..<s.kd {
                let g = weight + ((o * s.c + c) * s.kd + kz) * 9
                let column = kz * s.c + c
                // Gg (4 x 3): G's rows (1, 0, 0), (1/2, 1/2, 1/2), (1/2, -1/2, 1/2), (0, 0, 1) applied to the
                // kernel's rows, one column j at a time; then each row (a, b, c) of Gg times Gᵀ gives
                // (a, (a+b+c)/2, (a-b+c)/2, c).
                func gRows(_ j: Int) -> (Float, Float, Float, Float) {
                    let r0 = g[j], r1 = g[3 + j], r2 = g[6 + j]
                    return (r0, 0.5 * (r0 + r1 + r2), 0.5 * (r0 - r1 + r2), r2)
                }
                let c0 = gRows(0), c1 = gRows(1), c2 = gRows(2)
                func store(_ i: Int, _ a: Float, _ b: Float, _ cc: Float) {
                    let row = (a, 0.5 * (a + b + cc), 0.5 * (a - b + cc), cc)
                    u[((4 * i + 0) * s.o + o) * s.kd * s.c + column] = row.0
                    u[((4 * i + 1) * s.o + o) * s.kd * s.c + column] = row.1
                    u[((4 * i + 2) * s.o + o) * s.kd * s.c + column] = row.2
                    u[((4 * i + 3) * s.o + o) * s.kd * s.c + column] = row.3
                }
                store(0, c0.0, c1.0, c2.0)
                store(1, c0.1, c1.1, c2.1)
                store(2, c0.2, c1.2, c2.2)
                store(3, c0.3, c1.3, c2.3)
            }
        }
    }
}

/// V (16, F, C, T) <- Bᵀ d B for every tile of the padded frames `padded` of one item's input (C, D, H, W); depth
/// padding frames are zero.
///
/// Tiles overlap by two columns, so tile tx reads padded columns 2tx ... 2tx+3. Each padded row is first split into
/// its even and odd columns (E[j] = column 2j, O[j] = column 2j+1): tile tx then reads E[tx], O[tx], E[tx+1],
/// O[tx+1], four contiguous streams, and eight neighbouring tiles are transformed at once with SIMD8 vectors.
/// With `channelMajor` the layout is (16, C, F, T) instead (the weight gradient's).
func winogradTransformInput(_ v: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                            _ inp: UnsafePointer<Float>, _ pl: WinogradConvPlan, padded: Range<Int>,
                            channelMajor: Bool = false) {
    let s = pl.s, t = pl.tiles, f = pl.frames, tw = pl.tileColumns
    let half = tw + 1                 // E and O lengths of a padded row
    let rowStride = 2 * half          // scratch row: E then O
    let xiStride = pl.xiV             // between tile positions ξ
    // The zero rows above and below the frame.
    scratch.update(repeating: 0, count: rowStride)
    (scratch + (s.h + 1) * rowStride).update(repeating: 0, count: rowStride)
    for c in 0..<s.c {
        for frame in padded {
            let z = frame - s.pd
            let dst = v + (channelMajor ? c * f + frame : frame * s.c + c) * t
            guard z >= 0 && z < s.d else {
                for xi in 0..<16 { (dst + xi * xiStride).update(repeating: 0, count: t) }
                continue
            }
            let src = inp + (c * s.d + z) * s.h * s.w
            for y in 0..<s.h {
                // Padded column x holds src[x - 1]; columns 0 and w + 1 are zero. So E[j] = src[2j - 1] (j >= 1)
                // and O[j] = src[2j] (j < W/2): the odd and even source columns, split 16 at a time.
                let even = scratch + (y + 1) * rowStride, odd = even + half, row = src + y * s.w
                even[0] = 0
                odd[tw] = 0
                var j = 0
                while j + 8 <= tw {
                    let pixels = UnsafeRawPointer(row + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(odd + j).storeBytes(of: pixels.evenHalf, as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(even + j + 1).storeBytes(of: pixels.oddHalf, as: SIMD8<Float>.self)
                    j += 8
                }
                while j < tw {
                    odd[j] = row[2 * j]
                    even[j + 1] = row[2 * j + 1]
                    j += 1
                }
            }
            for ty in 0..<pl.tileRows {
                let p0 = scratch + 2 * ty * rowStride, p1 = p0 + rowStride, p2 = p1 + rowStride, p3 = p2 + rowStride
                let out = dst + ty * tw
                var tx = 0
                while tx + 8 <= tw {
                    winogradInputTiles(p0 + tx, p1 + tx, p2 + tx, p3 + tx, half: half, out: out + tx, xiStride: xiStride,
                                       as: SIMD8<Float>.self, lanes: 8)
                    tx += 8
                }
                while tx < tw {
                    let lanes = min(2, tw - tx)
                    winogradInputTiles(p0 + tx, p1 + tx, p2 + tx, p3 + tx, half: half, out: out + tx, xiStride: xiStride,
                                       as: SIMD2<Float>.self, lanes: lanes)
                    tx += lanes
                }
            }
        }
    }
}

/// Bᵀ d B of `lanes` (at most V.scalarCount) neighbouring tiles at once. r0 ... r3: the tiles' padded rows, each
/// split as E (first `half` values) then O; column k of tile j is E[j], O[j], E[j+1], O[j+1] for k = 0 ... 3. Writes
/// the 16 results to out + ξ * xiStride. With fewer lanes than the vector, the loads may read up to one vector past
/// the last tile's columns (the workspace has room; those lanes are not stored).
@inline(__always)
private func winogradInputTiles<V: SIMD>(_ r0: UnsafeMutablePointer<Float>, _ r1: UnsafeMutablePointer<Float>,
                                         _ r2: UnsafeMutablePointer<Float>, _ r3: UnsafeMutablePointer<Float>,
                                         half: Int, out: UnsafeMutablePointer<Float>, xiStride: Int,
                                         as _: V.Type, lanes: Int) where V.Scalar == Float {
    @inline(__always) func load(_ p: UnsafeMutablePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) func store(_ xi: Int, _ value: V) {
        if lanes == V.scalarCount {
            UnsafeMutableRawPointer(out + xi * xiStride).storeBytes(of: value, as: V.self)
        } else {
            for l in 0..<lanes { out[xi * xiStride + l] = value[l] }
        }
    }
    // Bᵀ d, column by column: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3.
    @inline(__always) func column(_ offset: Int) -> (V, V, V, V) {
        let d0 = load(r0 + offset), d1 = load(r1 + offset), d2 = load(r2 + offset), d3 = load(r3 + offset)
        return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    }
    let c0 = column(0), c1 = column(half), c2 = column(1), c3 = column(half + 1)
    // (Bᵀ d) B: the same combination of the columns, row by row.
    store(0, c0.0 - c2.0); store(1, c1.0 + c2.0); store(2, c2.0 - c1.0); store(3, c1.0 - c3.0)
    store(4, c0.1 - c2.1); store(5, c1.1 + c2.1); store(6, c2.1 - c1.1); store(7, c1.1 - c3.1)
    store(8, c0.2 - c2.2); store(9, c1.2 + c2.2); store(10, c2.2 - c1.2); store(11, c1.2 - c3.2)
    store(12, c0.3 - c2.3); store(13, c1.3 + c2.3); store(14, c2.3 - c1.3); store(15, c1.3 - c3.3)
}

/// out (N, O, OD, H, W) = conv(inp (N, C, D, H, W)) + bias by Winograd F(2x2, 3x3).
/// u: (16, O, KD*C) from winogradTransformWeight; work: WinogradConvPlan.workspaceSize floats.
/// outputFrames: the runs of output frames to compute (default all); the other frames of `out` are left untouched.
public func convWinogradForward(out: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>,
                                inp: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                _ pl: WinogradConvPlan, outputFrames: [Range<Int>]? = nil) {
    let s = pl.s
    let runs = s.outputFrameRuns(outputFrames)
    parallelChunks(s.n) { worker, items in
        let base = work + worker * pl.workerSize
        let scratch = base, v = base + pl.paddedSize, m = v + pl.vSize
        for b in items {
            let outB = out + b * s.outSize        // (O, OD, H, W)
            for run in runs {
                // Output frame z reads padded frames z ..< z + KD.
                winogradTransformInput(v, scratch, inp + b * s.inSize, pl, padded: run.lowerBound..<(run.upperBound + s.kd - 1))
                for z in run { winogradMultiplyAndTransformOutput(outB, m: m, v: v, u: u, bias: bias, pl, frame: z) }
            }
        }
    }
}

/// For output frame z of one item: M (16, O, T) = U_ξ · V_ξ (padded frames z ..< z + KD), then
/// out (O, OD, H, W) = Aᵀ M A + bias for that frame.
private func winogradMultiplyAndTransformOutput(_ outB: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                                                v: UnsafePointer<Float>, u: UnsafePointer<Float>,
                                                bias: UnsafePointer<Float>?, _ pl: WinogradConvPlan, frame z: Int) {
    let s = pl.s, t = pl.tiles, tw = pl.tileColumns, k = s.kd * s.c
    let mXi = pl.xiM                 // between tile positions ξ in M
    for xi in 0..<16 {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(s.o), Int32(t), Int32(k),
                    1, u + xi * s.o * k, Int32(k), v + xi * pl.xiV + z * s.c * t, Int32(t),
                    0, m + xi * mXi, Int32(t))
    }
    let frameSize = s.h * s.w
    for o in 0..<s.o {
        let bo = bias?[o] ?? 0
        let src = m + o * t
        let dst = outB + (o * s.od + z) * frameSize
        for ty in 0..<pl.tileRows {
            let row0 = dst + 2 * ty * s.w, row1 = row0 + s.w, p = src + ty * tw
            var tx = 0
            while tx + 8 <= tw {
                winogradOutputTiles(p + tx, xiStride: mXi, bias: bo, row0: row0 + 2 * tx, row1: row1 + 2 * tx,
                                    as: SIMD8<Float>.self, lanes: 8)
                tx += 8
            }
            while tx < tw {
                let lanes = min(2, tw - tx)
                winogradOutputTiles(p + tx, xiStride: mXi, bias: bo, row0: row0 + 2 * tx, row1: row1 + 2 * tx,
                                    as: SIMD2<Float>.self, lanes: lanes)
                tx += lanes
            }
        }
    }
}

/// Y = Aᵀ M A + bias of `lanes` neighbouring tiles (at most V.scalarCount): m + ξ * xiStride holds element ξ of the
/// tiles' products; their 2x2 outputs go to row0 and row1, two columns per tile.
@inline(__always)
private func winogradOutputTiles<V: SIMD>(_ m: UnsafeMutablePointer<Float>, xiStride: Int, bias: Float,
                                          row0: UnsafeMutablePointer<Float>, row1: UnsafeMutablePointer<Float>,
                                          as _: V.Type, lanes: Int) where V.Scalar == Float {
    @inline(__always) func at(_ xi: Int) -> V { UnsafeRawPointer(m + xi * xiStride).loadUnaligned(as: V.self) }
    // Aᵀ M: rows m0 + m1 + m2 and m1 - m2 - m3; then the same over columns.
    let s0 = at(0) + at(4) + at(8), s1 = at(1) + at(5) + at(9), s2 = at(2) + at(6) + at(10), s3 = at(3) + at(7) + at(11)
    let e0 = at(4) - at(8) - at(12), e1 = at(5) - at(9) - at(13), e2 = at(6) - at(10) - at(14), e3 = at(7) - at(11) - at(15)
    let b = V(repeating: bias)
    let y00 = s0 + s1 + s2 + b, y01 = s1 - s2 - s3 + b, y10 = e0 + e1 + e2 + b, y11 = e1 - e2 - e3 + b
    if lanes == 8, V.scalarCount == 8 {
        // Interleave the even and odd output columns into one 16-wide store per row.
        var top = SIMD16<Float>(), bottom = SIMD16<Float>()
        for l in 0..<8 {
            top[2 * l] = y00[l]; top[2 * l + 1] = y01[l]
            bottom[2 * l] = y10[l]; bottom[2 * l + 1] = y11[l]
        }
        UnsafeMutableRawPointer(row0).storeBytes(of: top, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(row1).storeBytes(of: bottom, as: SIMD16<Float>.self)
        return
    }
    for l in 0..<lanes {
        row0[2 * l] = y00[l]; row0[2 * l + 1] = y01[l]
        row1[2 * l] = y10[l]; row1[2 * l + 1] = y11[l]
    }
}

/// flipped (C, O, KD, 3, 3) <- weight (O, C, KD, 3, 3) reversed in depth, rows and columns: the kernel whose
/// convolution of an output gradient (stride 1, "same" padding) is the input gradient.
public func flipConvWeight(_ flipped: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ s: ConvShape) {
    precondition(s.kh == 3 && s.kw == 3)
    for o in 0..<s.o { for c in 0..<s.c { for kz in 0..<s.kd { for j in 0..<9 {
        flipped[((c * s.o + o) * s.kd + (s.kd - 1 - kz)) * 9 + (8 - j)] = weight[((o * s.c + c) * s.kd + kz) * 9 + j]
    }}}}
}

// MARK: - The weight gradient by Winograd
//
// With Y_t = Aᵀ (U ⊙ V_t) A for every tile t and U = G g Gᵀ, the gradient of the kernel is
//   dg = Gᵀ [ Σ_t V_t ⊙ (A dY_t Aᵀ) ] G,
// summed over tiles, output frames and batch items. As in the forward pass the elementwise products become GEMMs,
// one per tile position ξ and temporal tap kz, with the output frames and tiles in the inner dimension:
//   dU_ξ[:, kz] (O, C) += dM_ξ (O, OD*T) · V_ξ(channels, padded frames kz ... kz+OD-1) (C, OD*T)ᵀ,
// 2.25 times fewer multiplications than the frame-shifted GEMMs. V is laid out channel-major here, (16, C, F, T), so
// that a channel's run of frames is one row; dM is (16, O, OD, T).

extension WinogradConvPlan {
    /// Floats of the weight-gradient workspace per worker: the padded frame and V as in the forward pass, dM of every
    /// output frame (16, O, OD, T), and the worker's dU (16, O, KD*C).
    var gradientMSize: Int { 16 * xiDM }
    var gradientWorkerSize: Int { paddedSize + vSize + gradientMSize + weightSize }
    /// Floats of the weight-gradient workspace for all workers.
    public var gradientWorkspaceSize: Int { workers * gradientWorkerSize }
}

/// dweight (O, C, KD, 3, 3) += the gradient of convWinogradForward's kernel for output gradient dout (N, O, OD, H, W)
/// and input inp (N, C, D, H, W); dbias (O) += the sums of dout. work: gradientWorkspaceSize floats.
public func convWinogradWeightGradient(dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
                                       work: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                       dout: UnsafePointer<Float>, _ pl: WinogradConvPlan) {
    let s = pl.s, t = pl.tiles, k = s.kd * s.c
    let workers = pl.workers
    let dmOffset = pl.paddedSize + pl.vSize, duOffset = dmOffset + pl.gradientMSize, inner = s.od * t
    for w in 0..<workers { (work + w * pl.gradientWorkerSize + duOffset).update(repeating: 0, count: pl.weightSize) }
    parallelChunks(s.n) { worker, items in
        let base = work + worker * pl.gradientWorkerSize
        let scratch = base, v = base + pl.paddedSize, dm = base + dmOffset, du = base + duOffset
        for b in items {
            winogradTransformInput(v, scratch, inp + b * s.inSize, pl, padded: 0..<pl.frames, channelMajor: true)
            let doutB = dout + b * s.outSize
            for z in 0..<s.od { winogradTransformOutputGradient(dm, doutB, pl, frame: z) }
            for xi in 0..<16 {
                for kz in 0..<s.kd {
                    // Rows c of V_ξ: frames kz ..< kz + OD of channel c, row stride F*T; dU columns kz*C ..< (kz+1)*C.
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(s.o), Int32(s.c), Int32(inner),
                                1, dm + xi * pl.xiDM, Int32(inner), v + xi * pl.xiV + kz * t, Int32(pl.frames * t),
                                1, du + xi * s.o * k + kz * s.c, Int32(k))
                }
            }
        }
    }
    // dg = Gᵀ dU G for every (o, kz, c), summed over the workers' dU.
    let duStride = pl.gradientWorkerSize
    for o in 0..<s.o {
        for column in 0..<k {
            var d = [Float](repeating: 0, count: 16)
            for w in 0..<workers {
                let du = work + w * duStride + duOffset
                for xi in 0..<16 { d[xi] += du[(xi * s.o + o) * k + column] }
            }
            // Gᵀ over the rows i (ky): (d0 + (d1 + d2)/2, (d1 - d2)/2, (d1 + d2)/2 + d3), then over the columns (kx).
            var rows = [Float](repeating: 0, count: 12)
            for j in 0..<4 {
                let d0 = d[j], d1 = d[4 + j], d2 = d[8 + j], d3 = d[12 + j]
                rows[j] = d0 + 0.5 * (d1 + d2); rows[4 + j] = 0.5 * (d1 - d2); rows[8 + j] = 0.5 * (d1 + d2) + d3
            }
            let kz = column / s.c, c = column % s.c
            let g = dweight + ((o * s.c + c) * s.kd + kz) * 9
            for a in 0..<3 {
                let r0 = rows[4 * a], r1 = rows[4 * a + 1], r2 = rows[4 * a + 2], r3 = rows[4 * a + 3]
                g[3 * a] += r0 + 0.5 * (r1 + r2)
                g[3 * a + 1] += 0.5 * (r1 - r2)
                g[3 * a + 2] += 0.5 * (r1 + r2) + r3
            }
        }
    }
    if let dbias {
        let n = s.od * s.h * s.w
        for b in 0..<s.n { for o in 0..<s.o {
            let row = dout + b * s.outSize + o * n
            var acc: Float = 0
            for i in 0..<n { acc += row[i] }
            dbias[o] += acc
        }}
    }
}

/// dM (16, O, OD, T), frame z <- A dY Aᵀ for every 2x2 output block (tile) of output frame z of one item's dout
/// (O, OD, H, W).
/// With A = [[1, 0], [1, 1], [1, -1], [0, -1]]: a block (y00 y01; y10 y11) gives rows (y0, y0 + y1, y0 - y1, -y1) of
/// its columns, and the same across.
private func winogradTransformOutputGradient(_ dm: UnsafeMutablePointer<Float>, _ doutB: UnsafePointer<Float>,
                                             _ pl: WinogradConvPlan, frame z: Int) {
    let s = pl.s, t = pl.tiles, tw = pl.tileColumns, xiStride = pl.xiDM
    for o in 0..<s.o {
        let frame = doutB + (o * s.od + z) * s.h * s.w
        let out = dm + (o * s.od + z) * t
        for ty in 0..<pl.tileRows {
            let row0 = frame + 2 * ty * s.w, row1 = row0 + s.w, tiles = out + ty * tw
            var tx = 0
            // Eight tiles at once: a row's 16 values split into the blocks' left (even) and right (odd) columns.
            while tx + 8 <= tw {
                let top = UnsafeRawPointer(row0 + 2 * tx).loadUnaligned(as: SIMD16<Float>.self)
                let bottom = UnsafeRawPointer(row1 + 2 * tx).loadUnaligned(as: SIMD16<Float>.self)
                winogradOutputGradientTiles(top.evenHalf, top.oddHalf, bottom.evenHalf, bottom.oddHalf, tiles + tx, xiStride)
                tx += 8
            }
            while tx < tw {
                let y00 = row0[2 * tx], y01 = row0[2 * tx + 1], y10 = row1[2 * tx], y11 = row1[2 * tx + 1]
                let rows = [(y00, y01), (y00 + y10, y01 + y11), (y00 - y10, y01 - y11), (-y10, -y11)]
                for (i, (a, b)) in rows.enumerated() {
                    tiles[(4 * i + 0) * xiStride + tx] = a
                    tiles[(4 * i + 1) * xiStride + tx] = a + b
                    tiles[(4 * i + 2) * xiStride + tx] = a - b
                    tiles[(4 * i + 3) * xiStride + tx] = -b
                }
                tx += 1
            }
        }
    }
}

/// A dY Aᵀ of V.scalarCount neighbouring 2x2 blocks (y00 y01; y10 y11), stored at out + ξ * xiStride. Rows i:
/// (y0, y0 + y1, y0 - y1, -y1) with y0, y1 the block's rows; then the same across the columns j.
@inline(__always)
private func winogradOutputGradientTiles<V: SIMD>(_ y00: V, _ y01: V, _ y10: V, _ y11: V,
                                                  _ out: UnsafeMutablePointer<Float>, _ xiStride: Int) where V.Scalar == Float {
    @inline(__always) func put(_ i: Int, _ a: V, _ b: V) {
        UnsafeMutableRawPointer(out + (4 * i + 0) * xiStride).storeBytes(of: a, as: V.self)
        UnsafeMutableRawPointer(out + (4 * i + 1) * xiStride).storeBytes(of: a + b, as: V.self)
        UnsafeMutableRawPointer(out + (4 * i + 2) * xiStride).storeBytes(of: a - b, as: V.self)
        UnsafeMutableRawPointer(out + (4 * i + 3) * xiStride).storeBytes(of: -b, as: V.self)
    }
    put(0, y00, y01)
    put(1, y00 + y10, y01 + y11)
    put(2, y00 - y10, y01 - y11)
    put(3, -y10, -y11)
}
