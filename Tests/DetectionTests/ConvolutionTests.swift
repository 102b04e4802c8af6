import XCTest
@testable import Detection

/// The NeuralNet-backed Darknet convolution (per group vol2col + cblas_sgemm) against the naive im2col + loop GEMM.
final class ConvolutionTests: XCTestCase {
    func testGroupedStridedConvMatchesNaiveReference() {
        let inShape = TensorShape(c: 4, h: 7, w: 9)
        let spec = ConvolutionalSpec(filters: 6, size: 3, stride: 2, padding: 1, groups: 2, batchNormalize: false, activation: .linear)
        let outShape = TensorShape(c: 6, h: 4, w: 5)
        let input: [Float] = (0..<inShape.count).map { (i: Int) -> Float in Float((i * 37) % 23) / 11 - 1 }
        let weights: [Float] = (0..<108).map { (i: Int) -> Float in Float((i * 17) % 13) / 7 - 0.9 }
        var fast = [Float](repeating: 0, count: outShape.count), slow = fast
        input.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                fast.withUnsafeMutableBufferPointer {
                    Convolution.forward(input: x.baseAddress!, inShape, weights: w.baseAddress!, spec, output: $0.baseAddress!, outShape)
                }
                slow.withUnsafeMutableBufferPointer { out in
                    var col = [Float](repeating: 0, count: 2 * 9 * 20)
                    col.withUnsafeMutableBufferPointer { c in
                        for g in 0..<2 {
                            Convolution.im2col(x.baseAddress! + g * 2 * 63, c: 2, h: 7, w: 9, size: 3, stride: 2, pad: 1,
                                               outH: 4, outW: 5, col: c.baseAddress!)
                            Convolution.naiveGEMM(3, 20, 18, w.baseAddress! + g * 3 * 18, c.baseAddress!, out.baseAddress! + g * 3 * 20)
                        }
                    }
                }
            }
        }
        let diff = zip(fast, slow).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(diff, 1e-5)
    }
}
