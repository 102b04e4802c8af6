import Foundation

/// One YOLO box before NMS: centre and size relative to the network input (0...1), objectness,
/// the thresholded class probabilities used by NMS and the raw ones (objectness x sigmoid(class)).
public struct YoloCandidate: Sendable, Equatable {
    public var x: Float, y: Float, w: Float, h: Float
    public var objectness: Float
    public var probabilities: [Float]
    public var rawProbabilities: [Float]
}

public enum YoloDecoder {
    static func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }

    /// Decodes one yolo layer's raw input (anchors x (4+1+classes) planes of lw x lh, darknet `entry_index` order).
    /// Keeps slots with objectness > threshold; class probabilities <= threshold are zeroed (darknet).
    public static func decode(_ raw: [Float], shape: TensorShape, spec: YoloSpec, netW: Int, netH: Int,
                              threshold: Float) -> [YoloCandidate] {
        let lw = shape.w, lh = shape.h, plane = lw * lh
        let entries = spec.classes + 5
        guard raw.count == spec.mask.count * entries * plane else { return [] }
        var found: [YoloCandidate] = []
        for (n, anchor) in spec.mask.enumerated() {
            let base = n * entries * plane
            for j in 0..<lh {
                for i in 0..<lw {
                    let loc = j * lw + i
                    let objectness = sigmoid(raw[base + 4 * plane + loc])
                    guard objectness > threshold else { continue }
                    let x = (Float(i) + sigmoid(raw[base + loc])) / Float(lw)
                    let y = (Float(j) + sigmoid(raw[base + plane + loc])) / Float(lh)
                    let w = exp(raw[base + 2 * plane + loc]) * spec.anchors[2 * anchor] / Float(netW)
                    let h = exp(raw[base + 3 * plane + loc]) * spec.anchors[2 * anchor + 1] / Float(netH)
                    var rawProbs = [Float](repeating: 0, count: spec.classes)
                    for c in 0..<spec.classes { rawProbs[c] = objectness * sigmoid(raw[base + (5 + c) * plane + loc]) }
                    let probs = rawProbs.map { $0 > threshold ? $0 : 0 }
                    found.append(YoloCandidate(x: x, y: y, w: w, h: h, objectness: objectness, probabilities: probs,
                                               rawProbabilities: rawProbs))
                }
            }
        }
        return found
    }

    /// IoU of centre-format boxes (darknet `box_iou`).
    public static func iou(_ a: YoloCandidate, _ b: YoloCandidate) -> Float {
        func overlap(_ x1: Float, _ w1: Float, _ x2: Float, _ w2: Float) -> Float {
            min(x1 + w1 / 2, x2 + w2 / 2) - max(x1 - w1 / 2, x2 - w2 / 2)
        }
        let ow = overlap(a.x, a.w, b.x, b.w), oh = overlap(a.y, a.h, b.y, b.h)
        guard ow > 0, oh > 0 else { return 0 }
        let inter = ow * oh
        return inter / (a.w * a.h + b.w * b.h - inter)
    }

    /// Per-class NMS (darknet `do_nms_sort`): for each class, sort by that class's probability and zero it in every
    /// later box overlapping a kept one by IoU > threshold. A box may survive in one class and not in another.
    public static func nms(_ boxes: inout [YoloCandidate], classes: Int, threshold: Float) {
        for k in 0..<classes {
            let order = boxes.indices.filter { boxes[$0].probabilities[k] > 0 }
                .sorted { boxes[$0].probabilities[k] > boxes[$1].probabilities[k] }
            for (a, i) in order.enumerated() where boxes[i].probabilities[k] > 0 {
                for j in order[(a + 1)...] where boxes[j].probabilities[k] > 0 {
                    if iou(boxes[i], boxes[j]) > threshold { boxes[j].probabilities[k] = 0 }
                }
            }
        }
    }

    /// Undoes letterbox/stretch (darknet `correct_yolo_boxes`) and converts to inclusive frame pixels.
    /// One box per candidate whose best surviving class probability (among `allowedClasses`, nil = all) is > threshold.
    public static func toFrameBoxes(_ boxes: [YoloCandidate], geometry g: LetterboxGeometry, imageW: Int, imageH: Int,
                                    threshold: Float, allowedClasses: Set<Int>? = nil) -> [DetectionBox] {
        var result: [DetectionBox] = []
        let sx = Float(g.newW) / Float(g.netW), sy = Float(g.newH) / Float(g.netH)
        let ox = Float(g.netW - g.newW) / 2 / Float(g.netW), oy = Float(g.netH - g.newH) / 2 / Float(g.netH)
        for b in boxes {
            let candidates = b.probabilities.indices.filter { allowedClasses?.contains($0) ?? true }
            guard let best = candidates.max(by: { b.probabilities[$0] < b.probabilities[$1] }),
                  b.probabilities[best] > threshold else { continue }
            let cx = (b.x - ox) / sx * Float(imageW), cy = (b.y - oy) / sy * Float(imageH)
            let w = b.w / sx * Float(imageW), h = b.h / sy * Float(imageH)
            func clamp(_ v: Float, _ upper: Int) -> Int {
                guard v.isFinite else { return v > 0 ? upper : 0 }
                return Int(max(0, min(Float(upper), v.rounded(.down))))
            }
            let x1 = clamp(cx - w / 2, imageW - 1), x2 = clamp(cx + w / 2, imageW - 1)
            let y1 = clamp(cy - h / 2, imageH - 1), y2 = clamp(cy + h / 2, imageH - 1)
            result.append(DetectionBox(x1: x1, y1: y1, x2: x2, y2: y2, confidence: b.probabilities[best], classID: best,
                                       classProbabilities: b.rawProbabilities))
        }
        return result
    }
}
