// MARK: - Inference's 3D convolutions with 3x3 spatial kernels by Winograd's F(4x4, 3x3)
//
// As Winograd.swift's F(2x2, 3x3), one output frame z at a time, with the temporal taps folded into the inner
// dimension of one GEMM per tile position ξ, now 36 of them over 6x6 tiles that step by 4:
//   M_ξ (O, T) = U_ξ (O, KD*C) · V_ξ (padded frames z ... z+KD-1 x C, T),   T = (H/4)(W/4) tiles per frame.
// 36 multiplications give 16 outputs where F(2x2, 3x3) needs 64: 1.78 times fewer, and V and M shrink by the same
// factor. The transforms are C
// (CConvKernels/winograd4.c, AVX2 for eight tiles at a time); rounding differs from the direct sum by about 1e-5
// relative (multiplications by up to 8 and by 1/24 inside the transforms), so it runs in inference mode only
// (folded Conv+BN, the fused upsampling) and training's gradient passes keep F(2x2, 3x3), which the tests check.
//
// Layouts, per batch item: input (C, D, H, W); V (36, F, C, T) with F = D + 2*PD padded frames; M (36, O, T) for one
// output frame; U (36, O, KD*C); output (O, OD, H, W). The 36 matrices of V and of M are one cache line further apart
// than their size (Winograd4ConvPlan.xiV, xiM).
import CBLAS
import CConvKernels

public struct Winograd4ConvPlan: Sendable {
    public let s: ConvShape
    /// Does this CPU run the transforms' AVX2 paths? (Asked once; without them F(2x2, 3x3) stays faster.)
    public static let available = ssmtl_winograd4_available() != 0
    /// Tiles per frame: (H/4) x (W/4).
    public let tileRows: Int, tileColumns: Int
    public var tiles: Int { tileRows * tileColumns }
    public var frames: Int { s.d + 2 * s.pd }

    /// nil unless the convolution is 3x3 in space with stride 1 and padding 1 spatially, depth stride 1, and the
    /// frame's height and width are multiples of 4.
    public init?(_ s: ConvShape) {
        guard s.isWinogradShape(blockSide: 4) else { return nil }
        self.s = s
        tileRows = s.h / 4
        tileColumns = s.w / 4
    }

    /// Floats of the transformed weights U.
    public var weightSize: Int { 36 * s.o * s.kd * s.c }
    var scratchSize: Int { ssmtl_winograd4_input_scratch_floats(Int32(s.h), Int32(s.w)) }
    /// Distances between the 36 matrices of V and of M. The transforms touch all 36 at once, and at a multiple of
    /// 4 KiB apart (16 channels x 9 frames x 64 tiles, or 32 x 64 floats) they would all fall into one set of the L1
    /// cache, which holds 8: one cache line more puts each into a set of its own.
    var xiV: Int { frames * s.c * tiles + 16 }
    var xiM: Int { s.o * tiles + 16 }
    var vSize: Int { 36 * xiV }
    var mSize: Int { 36 * xiM }
    /// Floats of workspace per worker: the padded frame split into phases, V and M.
    var workerSize: Int { scratchSize + vSize + mSize }
    /// Floats of workspace for all workers.
    public var workspaceSize: Int { s.workers * workerSize }
}

/// u (36, O, KD*C) <- G g Gᵀ for every 3x3 slice g of weight (O, C, KD, 3, 3).
public func winograd4TransformWeight(_ u: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ pl: Winograd4ConvPlan) {
    ssmtl_winograd4_weights(u, weight, Int32(pl.s.o), Int32(pl.s.c), Int32(pl.s.kd))
}

/// out (N, O, OD, H, W) = conv(inp (N, C, D, H, W)) + bias by Winograd F(4x4, 3x3).
/// u: (36, O, KD*C) from winograd4TransformWeight; work: Winograd4ConvPlan.workspaceSize floats.
/// outputFrames: the runs of output frames to compute (default all); the other frames of `out` are left untouched.
public func convWinograd4Forward(out: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>,
                                 inp: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                 _ pl: Winograd4ConvPlan, outputFrames: [Range<Int>]? = nil) {
    let s = pl.s, t = pl.tiles, k = s.kd * s.c, frameSize = s.h * s.w
    let xiV = pl.xiV, xiM = pl.xiM
    let runs = s.outputFrameRuns(outputFrames)
    parallelChunks(s.n) { worker, items in
        let scratch = work + worker * pl.workerSize, v = scratch + pl.scratchSize, m = v + pl.vSize
        for b in items {
            let inB = inp + b * s.inSize, outB = out + b * s.outSize
            for run in runs {
                // Output frame z reads padded frames z ..< z + KD; depth padding frames are zero.
                for frame in run.lowerBound..<(run.upperBound + s.kd - 1) {
                    let z = frame - s.pd
                    for c in 0..<s.c {
                        let dst = v + (frame * s.c + c) * t
                        if z >= 0 && z < s.d {
                            ssmtl_winograd4_input_plane(dst, xiV, inB + (c * s.d + z) * frameSize, Int32(s.h), Int32(s.w), scratch)
                        } else {
                            for xi in 0..<36 { (dst + xi * xiV).update(repeating: 0, count: t) }
                        }
                    }
                }
                for z in run {
                    for xi in 0..<36 {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(s.o), Int32(t), Int32(k),
                                    1, u + xi * s.o * k, Int32(k), v + xi * xiV + z * s.c * t, Int32(t),
                                    0, m + xi * xiM, Int32(t))
                    }
                    ssmtl_winograd4_output_frame(outB + z * frameSize, s.od * frameSize, m, xiM, bias,
                                                 Int32(s.o), Int32(s.h), Int32(s.w))
                }
            }
        }
    }
}
