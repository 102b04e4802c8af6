import VideoIO

/// Motion-region proposals (no weights): a running-median background over the video, foreground =
/// |frame - background| > T_bg OR |frame - previous| > T_fd, opening + closing, 8-connected components,
/// components confirmed by frame-difference pixels, size filter, boxes padded by a margin. With `colourScale` and RGB
/// frames a pixel is also foreground (moving) when its largest channel difference exceeds the scaled threshold (a grey
/// shirt on grey pavement differs in hue, not in luminance).
/// Streaming: holds the background, the previous frame and a few masks (bounded memory).
public final class MotionDetector: ObjectDetector {
    public let parameters: MotionParameters
    private var background: [Float] = []
    private var previous: [UInt8] = []
    private var width = 0, height = 0
    private var framesSeen = 0
    private var mask: [UInt8] = [], motion: [UInt8] = [], scratch: [UInt8] = [], opened: [UInt8] = []
    private var labels: [Int32] = []

    /// `parameters` scaled to the video's frame height (`MotionParameters.scaled`).
    private var effective: MotionParameters

    public init(parameters: MotionParameters = MotionParameters()) {
        self.parameters = parameters
        effective = parameters
    }

    private var primed: [UInt8]?
    private var primedWidth = 0, primedHeight = 0

    /// Forget the video (call between videos).
    public func reset() {
        framesSeen = 0
        width = 0
        height = 0
        primed = nil
    }

    /// Starts the video from a background estimated beforehand (`BackgroundEstimate.median`, in the layout
    /// `parameters.frameLayout`): objects present in the first frames are then foreground at once, there are no
    /// ghosts, and components need no motion pixels. A grey background (`width * height` values) makes the detector
    /// compare grey levels even with `colourScale` on RGB frames (the pre-pass gives one for grey videos). A background
    /// of another size than the frames is not used.
    public func prime(background: [UInt8], width: Int, height: Int) {
        reset()
        guard width > 0, height > 0, background.count == width * height || background.count == 3 * width * height else { return }
        primed = background
        primedWidth = width
        primedHeight = height
    }

    /// The primed background when it was estimated for frames of this size with `valuesPerPixel` values a pixel.
    private func primedBackground(width w: Int, height h: Int, valuesPerPixel: Int) -> [UInt8]? {
        guard let primed, primedWidth == w, primedHeight == h, primed.count == w * h * valuesPerPixel else { return nil }
        return primed
    }

    public func detect(_ frame: Frame) throws -> [DetectionBox] {
        // Colour differences need RGB frames; grey frames, grey videos (a grey primed background) and grey levels
        // asked for take the grey path.
        let greyVideo = primedBackground(width: frame.width, height: frame.height, valuesPerPixel: 1) != nil
        let channels = parameters.colourScale > 0 && frame.layout == .rgb24 && !greyVideo ? 3 : 1
        let values = channels == 3 ? frame.pixels : frame.grayscale().pixels
        let w = frame.width, h = frame.height
        guard w > 0, h > 0, values.count == w * h * channels else { return [] }
        if w != width || h != height || framesSeen == 0 || previous.count != values.count {
            let prime = primedBackground(width: w, height: h, valuesPerPixel: channels)
            if prime == nil { primed = nil }
            width = w; height = h; framesSeen = 0
            background = (prime ?? values).map(Float.init)
            previous = values
            mask = [UInt8](repeating: 0, count: w * h)
            motion = mask
            effective = parameters.scaled(toHeight: h)
        }
        let p = effective
        let tb = Float(p.backgroundThreshold), tf = Int(p.frameDifferenceThreshold)
        let step = framesSeen < p.warmupFrames && primed == nil ? p.warmupStep : p.backgroundStep
        values.withUnsafeBufferPointer { g in
            previous.withUnsafeMutableBufferPointer { prev in
                background.withUnsafeMutableBufferPointer { bg in
                    mask.withUnsafeMutableBufferPointer { m in
                        motion.withUnsafeMutableBufferPointer { mo in
                            if channels == 1 {
                                for i in 0..<(w * h) {
                                    let v = Float(g[i])
                                    let d = v - bg[i]
                                    let moving: UInt8 = abs(Int(g[i]) - Int(prev[i])) > tf ? 1 : 0
                                    mo[i] = moving
                                    m[i] = (abs(d) > tb ? 1 : 0) | moving
                                    bg[i] += max(-step, min(step, d))
                                    prev[i] = g[i]
                                }
                                return
                            }
                            // Luminance difference (weights x 1000, exact: the differences are multiples of 1/2 or
                            // whole grey levels) against the threshold, or the largest channel difference against
                            // the scaled one. Three equal channels: the luminance difference is the channel's.
                            let tcb = p.colourScale * tb, tcf = p.colourScale * Float(tf)
                            let tb1000 = 1000 * tb, tf1000 = 1000 * tf
                            let wr = Luma.red, wg = Luma.green, wb = Luma.blue
                            let wrf = Float(wr), wgf = Float(wg), wbf = Float(wb)
                            for i in 0..<(w * h) {
                                let j = 3 * i
                                let dr = Float(g[j]) - bg[j], dg = Float(g[j + 1]) - bg[j + 1], db = Float(g[j + 2]) - bg[j + 2]
                                let fr = Int(g[j]) - Int(prev[j]), fg = Int(g[j + 1]) - Int(prev[j + 1]), fb = Int(g[j + 2]) - Int(prev[j + 2])
                                let foreground = abs(wrf * dr + wgf * dg + wbf * db) > tb1000
                                    || max(abs(dr), abs(dg), abs(db)) > tcb
                                let moving = abs(wr * fr + wg * fg + wb * fb) > tf1000
                                    || Float(max(abs(fr), abs(fg), abs(fb))) > tcf
                                mo[i] = moving ? 1 : 0
                                m[i] = foreground || moving ? 1 : 0
                                bg[j] += max(-step, min(step, dr))
                                bg[j + 1] += max(-step, min(step, dg))
                                bg[j + 2] += max(-step, min(step, db))
                                prev[j] = g[j]; prev[j + 1] = g[j + 1]; prev[j + 2] = g[j + 2]
                            }
                        }
                    }
                }
            }
        }
        framesSeen += 1
        if framesSeen == 1 && primed == nil { return [] }   // nothing to compare with yet
        BinaryMorphology.apply(&mask, width: w, height: h, radius: p.openRadius, dilate: false, scratch: &scratch)
        BinaryMorphology.apply(&mask, width: w, height: h, radius: p.openRadius, dilate: true, scratch: &scratch)
        if p.splitMinPieceArea > 0 { opened = mask }
        BinaryMorphology.apply(&mask, width: w, height: h, radius: p.closeRadius, dilate: true, scratch: &scratch)
        BinaryMorphology.apply(&mask, width: w, height: h, radius: p.closeRadius, dilate: false, outsideSet: true, scratch: &scratch)
        let components = ConnectedComponents.find(mask, marked: motion, width: w, height: h, labels: &labels)
        var boxes: [DetectionBox] = []
        let minMotion = primed == nil ? p.minMotionPixels : 0
        for (index, c) in components.enumerated() where c.area >= p.minArea && c.marked >= minMotion
            && c.x2 - c.x1 + 1 >= p.minSide && c.y2 - c.y1 + 1 >= p.minSide {
            let pieces = p.splitMinPieceArea > 0
                ? labels.withUnsafeBufferPointer { lab in
                    opened.withUnsafeBufferPointer { op in
                        ComponentSplit.split(box: c, id: Int32(index + 1), labels: lab, opened: op, width: w,
                                             minPieceArea: p.splitMinPieceArea, valley: p.splitValley)
                    }
                }
                : [ComponentSplit.Piece(x1: c.x1, y1: c.y1, x2: c.x2, y2: c.y2, area: c.area)]
            for piece in pieces where piece.x2 - piece.x1 + 1 >= p.minSide && piece.y2 - piece.y1 + 1 >= p.minSide {
                boxes.append(DetectionBox(x1: max(0, piece.x1 - p.margin), y1: max(0, piece.y1 - p.margin),
                                          x2: min(w - 1, piece.x2 + p.margin), y2: min(h - 1, piece.y2 + p.margin),
                                          confidence: 1, classID: 0))
            }
        }
        return boxes
    }
}
