// Direct 3x3x3 convolution (stride 1, padding 1) for layers with few input channels, run by the AVX2 + FMA kernel
// of CConvKernels (conv_direct.c). Inference only: training keeps the GEMM paths, so a trained model does not depend
// on whether the CPU has the kernel; scores differ from the GEMMs' by rounding only.
//   N = batch, C = in channels (< 8), O = out channels, (D, H, W) = input and output extent.
import CConvKernels

public struct DirectConvPlan: Sendable {
    public let s: ConvShape
    /// Does this CPU run the kernel? (Asked once.)
    public static let available = ssmtl_conv333_available() != 0

    /// nil unless the kernel runs here and the convolution is 3x3x3 with stride 1 and padding 1 in every dimension.
    public init?(_ s: ConvShape) {
        guard Self.available, s.kd == 3, s.kh == 3, s.kw == 3, (s.sd, s.sh, s.sw) == (1, 1, 1),
              (s.pd, s.ph, s.pw) == (1, 1, 1) else { return nil }
        self.s = s
    }
    /// Floats of the packed weights (C, 3, 3, 3, O rounded up to 4).
    public var weightSize: Int { ssmtl_conv333_weight_floats(Int32(s.c), Int32(s.o)) }
    /// Floats of workspace per worker: the zero-padded frames of one item and a row block of outputs.
    public var workspacePerWorker: Int { ssmtl_conv333_scratch_floats(Int32(s.c), Int32(s.d), Int32(s.h), Int32(s.w)) }
    public var workspaceSize: Int { s.workers * workspacePerWorker }
}

/// packed (C, 3, 3, 3, O4) <- weight (O, C, 3, 3, 3)
public func directPackWeight(_ packed: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ pl: DirectConvPlan) {
    ssmtl_conv333_pack_weights(packed, weight, Int32(pl.s.c), Int32(pl.s.o))
}

/// out (N, O, D, H, W) = conv(inp (N, C, D, H, W)) + bias, for the runs of output frames `outputFrames` (default
/// all; the other frames of `out` are left untouched). packed: from directPackWeight; work: workspaceSize floats.
public func convDirectForward(out: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>,
                              inp: UnsafePointer<Float>, packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              _ pl: DirectConvPlan, outputFrames: [Range<Int>]? = nil) {
    let s = pl.s, perWorker = pl.workspacePerWorker
    let runs = s.outputFrameRuns(outputFrames)
    parallelChunks(s.n) { worker, items in
        for b in items {
            for run in runs {
                ssmtl_conv333_forward(out + b * s.outSize, work + worker * perWorker, inp + b * s.inSize, packed, bias,
                                      Int32(s.c), Int32(s.d), Int32(s.h), Int32(s.w), Int32(s.o),
                                      Int32(run.lowerBound), Int32(run.upperBound))
            }
        }
    }
}

/// pooled (N, O, D, H/2, W/2) = max(0, 2x2 max pooling of conv(inp) + bias), the direct convolution with ReLU and
/// (1, 2, 2) max pooling fused: the full-size output is never written. H and W even; outputFrames as in
/// convDirectForward. Equals convDirectForward then maxPool2x2ReLUForward bit for bit.
public func convDirectForwardReLUPool2(out: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>,
                                       inp: UnsafePointer<Float>, packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                       _ pl: DirectConvPlan, outputFrames: [Range<Int>]? = nil) {
    let s = pl.s, perWorker = pl.workspacePerWorker
    precondition(s.h % 2 == 0 && s.w % 2 == 0, "convDirectForwardReLUPool2: odd frame \(s.h)x\(s.w)")
    let runs = s.outputFrameRuns(outputFrames), pooledSize = s.o * s.d * (s.h / 2) * (s.w / 2)
    parallelChunks(s.n) { worker, items in
        for b in items {
            for run in runs {
                ssmtl_conv333_forward_relu_pool2(out + b * pooledSize, work + worker * perWorker, inp + b * s.inSize,
                                                 packed, bias, Int32(s.c), Int32(s.d), Int32(s.h), Int32(s.w),
                                                 Int32(s.o), Int32(run.lowerBound), Int32(run.upperBound))
            }
        }
    }
}
