// Inference kernel: nearest x2 upsampling followed by a 3x3 convolution (stride 1, padding 1), without building the
// upsampled image. Output pixel (2i+py, 2j+px) only ever reads low-resolution pixels (i-1...i+1, j-1...j+1): for each
// of the four parities (py, px) the 3x3 kernel folds into a 3x3 kernel on the low-resolution input (taps that land
// on the same low-resolution pixel are summed, the others are zero). All four parities run as one GEMM
// (4*O rows) over the low-resolution column matrix, which is 4x smaller than the upsampled one.
//   N = batch, C = in channels, O = out channels, (H, W) low-resolution extent, output (N, O, 2H, 2W).

/// Tap k (0...2, offset k-1) of an output pixel of parity p (0 or 1) reads the upsampled pixel 2i+p+k-1, which is the
/// low-resolution pixel i + floor((p+k-1)/2): returns that offset + 1, the folded tap (0...2).
@inline(__always)
private func foldedTap(parity p: Int, tap k: Int) -> Int { (p + k + 1) / 2 }

/// wp (4*O, C*9) <- weight (O, C, 3, 3) folded per parity: row (py*2+px)*O + o, column c*9 + ay*3 + ax.
/// `scale` (O) multiplies each output channel (a folded BatchNorm), nil = 1.
public func upsampleConvFoldWeights(_ wp: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>,
                                    scale: UnsafePointer<Float>?, o: Int, c: Int) {
    wp.update(repeating: 0, count: 4 * o * c * 9)
    for py in 0..<2 { for px in 0..<2 {
        let parity = py * 2 + px
        for oc in 0..<o {
            let s = scale?[oc] ?? 1
            for ic in 0..<c { for ky in 0..<3 { for kx in 0..<3 {
                let ay = foldedTap(parity: py, tap: ky), ax = foldedTap(parity: px, tap: kx)
                wp[(parity * o + oc) * c * 9 + ic * 9 + ay * 3 + ax] += s * weight[((oc * c + ic) * 3 + ky) * 3 + kx]
            }}}
        }
    }}
}

/// out (N, O, 2H, 2W) = conv3x3(upsample2x(inp (N, C, H, W))) + bias, with wp from upsampleConvFoldWeights.
/// parities: N*4*O*H*W floats of workspace; col: convWorkspaceSize of the low-resolution 3x3 convolution.
/// (The layer runs that convolution by Winograd where it applies, then upsampleConvInterleave.)
public func upsampleConvForward(out: UnsafeMutablePointer<Float>, parities: UnsafeMutablePointer<Float>,
                                col: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                wp: UnsafePointer<Float>, bias: UnsafePointer<Float>?, n: Int, c: Int, h: Int, w: Int, o: Int) {
    let s = upsampleConvShape(n: n, c: c, h: h, w: w, o: o)
    convForward(out: parities, col: col, inp: inp, weight: wp, bias: nil, s)
    upsampleConvInterleave(out: out, parities: parities, bias: bias, n: n, h: h, w: w, o: o)
}

/// out (N, O, 2H, 2W) + bias from the low-resolution convolution's output parities (N, 4*O, H, W): parity (py, px)
/// of channel o fills the output pixels (2i + py, 2j + px).
public func upsampleConvInterleave(out: UnsafeMutablePointer<Float>, parities: UnsafePointer<Float>,
                                   bias: UnsafePointer<Float>?, n: Int, h: Int, w: Int, o: Int) {
    let hw = h * w, w2 = 2 * w
    parallelChunks(n) { _, items in
        for b in items {
            for oc in 0..<o {
                let bv = bias?[oc] ?? 0
                let dst = out + (b * o + oc) * 4 * hw
                for py in 0..<2 { for px in 0..<2 {
                    let src = parities + (b * 4 * o + (py * 2 + px) * o + oc) * hw
                    for i in 0..<h {
                        let row = dst + (2 * i + py) * w2 + px, from = src + i * w
                        for j in 0..<w { row[2 * j] = from[j] + bv }
                    }
                }}
            }
        }
    }
}

/// The low-resolution convolution behind upsampleConvForward: 3x3, padding 1, 4*O outputs.
public func upsampleConvShape(n: Int, c: Int, h: Int, w: Int, o: Int) -> ConvShape {
    ConvShape(n: n, c: c, h: h, w: w, o: 4 * o, kernel: (3, 3), padding: (1, 1))
}
