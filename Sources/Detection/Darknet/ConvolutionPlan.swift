/// One Darknet convolution prepared once for inference (`DarknetRunner`), the fast path beside the reference
/// (`Convolution.forward` + `DarknetKernels.batchNormBias` + `activate`, which the tests compare it with):
/// - batch norm folded into the weights (each filter's weights times scale / (sqrt(var) + 1e-6)) and one shift per
///   filter (bias - mean * that factor), added with the activation in a single pass over the output;
/// - the cheapest kernel the shape allows: Winograd F(2x2, 3x3) for 3x3 stride-1 "same" convolutions (2.25 times
///   fewer multiplications; nine tenths of YOLOv3-tiny's work), with an odd height or width padded by one zero row or
///   column and the extra output row or column dropped; a GEMM straight on the input for 1x1 stride-1 ones; im2col +
///   GEMM otherwise. Rounding differs from the reference by a few float steps.
import CBLAS
import NeuralNet

final class ConvolutionPlan {
    private enum Kernel {
        case winograd(WinogradConvPlan, u: [Float])
        case pointwise
        case im2col
    }

    let spec: ConvolutionalSpec
    let inShape: TensorShape, outShape: TensorShape
    /// (filters, channels / groups, size, size), batch norm folded in.
    private let weights: [Float]
    /// (filters): the bias, or the folded batch norm's shift.
    private let shift: [Float]
    private let kernel: Kernel

    init(spec: ConvolutionalSpec, input: TensorShape, output: TensorShape, weights w: LayerWeights) {
        self.spec = spec
        inShape = input
        outShape = output
        let filters = spec.filters, perFilter = w.weights.count / max(filters, 1)
        var folded = w.weights
        var shift = w.biases
        if !w.scales.isEmpty {
            for f in 0..<filters {
                let factor = w.scales[f] / (w.rollingVariance[f].squareRoot() + DarknetKernels.batchNormEpsilon)
                for i in f * perFilter..<(f + 1) * perFilter { folded[i] *= factor }
                shift[f] = w.biases[f] - w.rollingMean[f] * factor
            }
        }
        weights = folded
        self.shift = shift
        if spec.groups == 1, spec.size == 3, spec.stride == 1, spec.padding == 1,
           let plan = WinogradConvPlan(Self.winogradShape(spec: spec, input: input)) {
            var u = [Float](repeating: 0, count: plan.weightSize)
            u.withUnsafeMutableBufferPointer { ub in
                folded.withUnsafeBufferPointer { winogradTransformWeight(ub.baseAddress!, $0.baseAddress!, plan) }
            }
            kernel = .winograd(plan, u: u)
        } else if spec.groups == 1, spec.size == 1, spec.stride == 1, spec.padding == 0 {
            kernel = .pointwise
        } else {
            kernel = .im2col
        }
    }

    /// The Winograd shape: the input's height and width rounded up to even (the kernel works on 2x2 output blocks).
    private static func winogradShape(spec: ConvolutionalSpec, input: TensorShape) -> ConvShape {
        ConvShape(n: 1, c: input.c, d: 1, h: input.h + input.h % 2, w: input.w + input.w % 2, o: spec.filters,
                  kernel: (1, 3, 3), stride: (1, 1, 1), padding: (0, 1, 1))
    }

    /// Which kernel runs (for the layer table and the tests).
    var kernelName: String {
        switch kernel {
        case .winograd: return "winograd"
        case .pointwise: return "gemm"
        case .im2col: return "im2col"
        }
    }

    // input: (c, h, w); output: (filters, outH, outW), written.
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let plane = outShape.h * outShape.w
        switch kernel {
        case let .winograd(plan, u):
            var work = [Float](repeating: 0, count: plan.workspaceSize)
            let s = plan.s
            u.withUnsafeBufferPointer { ub in
                work.withUnsafeMutableBufferPointer { wb in
                    if s.h == inShape.h && s.w == inShape.w {
                        convWinogradForward(out: output, work: wb.baseAddress!, inp: input, u: ub.baseAddress!, bias: nil, plan)
                        return
                    }
                    // Odd sizes: the input in an even frame whose extra row/column is 0 (what the "same" padding
                    // would read there anyway), then the valid part of the output copied out.
                    var padded = [Float](repeating: 0, count: s.c * s.h * s.w)
                    var full = [Float](repeating: 0, count: s.o * s.h * s.w)
                    for c in 0..<s.c {
                        for y in 0..<inShape.h {
                            let src = input + (c * inShape.h + y) * inShape.w
                            padded.withUnsafeMutableBufferPointer { ($0.baseAddress! + (c * s.h + y) * s.w).update(from: src, count: inShape.w) }
                        }
                    }
                    padded.withUnsafeBufferPointer { pb in
                        full.withUnsafeMutableBufferPointer { fb in
                            convWinogradForward(out: fb.baseAddress!, work: wb.baseAddress!, inp: pb.baseAddress!, u: ub.baseAddress!, bias: nil, plan)
                        }
                    }
                    full.withUnsafeBufferPointer { fb in
                        for o in 0..<s.o {
                            for y in 0..<outShape.h {
                                (output + (o * outShape.h + y) * outShape.w).update(from: fb.baseAddress! + (o * s.h + y) * s.w, count: outShape.w)
                            }
                        }
                    }
                }
            }
        case .pointwise:
            // out (filters, h*w) = W (filters, c) . x (c, h*w)
            weights.withUnsafeBufferPointer { wb in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(spec.filters), Int32(plane), Int32(inShape.c),
                            1, wb.baseAddress!, Int32(inShape.c), input, Int32(plane), 0, output, Int32(plane))
            }
        case .im2col:
            weights.withUnsafeBufferPointer { Convolution.forward(input: input, inShape, weights: $0.baseAddress!, spec, output: output, outShape) }
        }
        epilogue(output, plane: plane)
    }

    /// out = activation(out + shift) per filter, one pass.
    private func epilogue(_ out: UnsafeMutablePointer<Float>, plane: Int) {
        for f in 0..<spec.filters {
            let row = out + f * plane, b = shift[f]
            switch spec.activation {
            case .leaky:
                for i in 0..<plane { let v = row[i] + b; row[i] = v < 0 ? 0.1 * v : v }
            case .linear:
                for i in 0..<plane { row[i] += b }
            default:
                for i in 0..<plane { row[i] += b }
                DarknetKernels.activate(row, count: plane, spec.activation)
            }
        }
    }
}
