/// An axis-aligned box in frame pixels, inclusive on both ends (the convention of the detection CSVs and of
/// RBDC/TBDC): a box covering only pixel (5, 7) is x1 = x2 = 5, y1 = y2 = 7.
public struct PixelBox: Sendable, Equatable, Hashable {
    public var x1: Int, y1: Int, x2: Int, y2: Int

    public init(x1: Int, y1: Int, x2: Int, y2: Int) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    public var width: Int { x2 - x1 + 1 }
    public var height: Int { y2 - y1 + 1 }
    public var area: Int { max(0, width) * max(0, height) }
    public var isEmpty: Bool { x2 < x1 || y2 < y1 }

    /// The part of the box inside a width x height frame (may be empty).
    public func clipped(width frameWidth: Int, height frameHeight: Int) -> PixelBox {
        PixelBox(x1: max(0, x1), y1: max(0, y1), x2: min(frameWidth - 1, x2), y2: min(frameHeight - 1, y2))
    }

    /// Intersection over union with inclusive pixel areas.
    public func iou(_ other: PixelBox) -> Double {
        let ix = min(x2, other.x2) - max(x1, other.x1) + 1
        let iy = min(y2, other.y2) - max(y1, other.y1) + 1
        guard ix > 0, iy > 0 else { return 0 }
        let intersection = Double(ix * iy)
        return intersection / (Double(area) + Double(other.area) - intersection)
    }

    /// The index of the box of `candidates` this one overlaps most, if by an IoU of at least `minimumIoU` (the first on
    /// ties): the one match by which an object takes the previous frame's scores (`VideoScorer`) and by which links
    /// follow an object from frame to frame (`ObjectLinks`).
    /// `candidates` is any sequence of boxes, so that a caller holding objects passes `objects.lazy.map(\.box)`
    /// without building an array on every call (links call this per object and frame step).
    public func bestOverlap<Boxes: Sequence<PixelBox>>(among candidates: Boxes, minimumIoU: Double) -> Int? {
        var best: Int?, bestIoU = minimumIoU
        for (i, candidate) in candidates.enumerated() {
            let overlap = iou(candidate)
            if overlap >= bestIoU && (best == nil || overlap > bestIoU) { best = i; bestIoU = overlap }
        }
        return best
    }
}
