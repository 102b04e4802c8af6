import VideoIO

/// How a frame becomes the network's square input.
public enum ResizeMode: String, Sendable, CaseIterable {
    /// Keep the aspect ratio, pad with 0.5 grey (pjreddie darknet, what the COCO weights were trained with).
    case letterbox
    /// Stretch to the network size (AlexeyAB's default).
    case stretch
}

/// Where the resized image sits inside the network input (pixels of the network input).
public struct LetterboxGeometry: Sendable, Equatable {
    public var netW: Int, netH: Int, newW: Int, newH: Int

    /// darknet `letterbox_image` integer arithmetic; stretch uses the whole input.
    public init(imageW: Int, imageH: Int, netW: Int, netH: Int, mode: ResizeMode) {
        self.netW = netW; self.netH = netH
        if mode == .stretch {
            newW = netW; newH = netH
        } else if netW * imageH < netH * imageW {     // w/im.w < h/im.h
            newW = netW; newH = imageH * netW / imageW
        } else {
            newH = netH; newW = imageW * netH / imageH
        }
    }

    public var offsetX: Int { (netW - newW) / 2 }
    public var offsetY: Int { (netH - newH) / 2 }
}

enum Preprocess {
    /// Frame (RGB24 or GRAY8) -> planar CHW floats in [0,1] of `channels` x netH x netW, darknet's `resize_image`
    /// arithmetic in Float (align-corners scale (in-1)/(out-1), a horizontal then a vertical pass), letterbox fill 0.5.
    /// Tested against a NumPy transcription of darknet's C on real frames (Scripts/make_yolo_fixtures.py).
    static func networkInput(_ frame: Frame, channels: Int, netW: Int, netH: Int, mode: ResizeMode) -> [Float] {
        let g = LetterboxGeometry(imageW: frame.width, imageH: frame.height, netW: netW, netH: netH, mode: mode)
        let srcC = frame.layout.channels
        var out = [Float](repeating: 0.5, count: channels * netW * netH)
        let w = frame.width, h = frame.height
        let newW = max(g.newW, 1), newH = max(g.newH, 1)
        let wScale = newW > 1 ? Float(w - 1) / Float(newW - 1) : 0
        let hScale = newH > 1 ? Float(h - 1) / Float(newH - 1) : 0
        // Horizontal then vertical pass, per channel.
        var row = [Float](repeating: 0, count: newW * h)
        frame.pixels.withUnsafeBufferPointer { px in
            for c in 0..<channels {
                let sc = min(c, srcC - 1)
                for y in 0..<h {
                    for x in 0..<newW {
                        // The last column is the image's last column (darknet), whatever x * wScale rounds to.
                        if x == newW - 1 || w == 1 {
                            row[y * newW + x] = Float(px[(y * w + w - 1) * srcC + sc]) / 255
                            continue
                        }
                        let sx = Float(x) * wScale
                        let ix = min(Int(sx), w - 2)
                        let dx = sx - Float(ix)
                        let a = Float(px[(y * w + ix) * srcC + sc]) / 255
                        let b = Float(px[(y * w + ix + 1) * srcC + sc]) / 255
                        row[y * newW + x] = (1 - dx) * a + dx * b
                    }
                }
                for y in 0..<newH {
                    let sy = Float(y) * hScale
                    let iy = min(Int(sy), h - 1)
                    let dy = sy - Float(iy)
                    let dst = (c * netH + y + g.offsetY) * netW + g.offsetX
                    // darknet adds the lower row's share on every row but the last: when (newH - 1) * hScale rounds
                    // below h - 1, the last row keeps only (1 - dy) of row iy (near 0). Kept, so that the input is
                    // the one darknet and the COCO weights' published results use.
                    let last = y == newH - 1 || h == 1
                    for x in 0..<newW {
                        var v = (1 - dy) * row[iy * newW + x]
                        if !last && iy + 1 < h { v += dy * row[(iy + 1) * newW + x] }
                        out[dst + x] = v
                    }
                }
            }
        }
        return out
    }
}
