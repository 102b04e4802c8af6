/// An axis-aligned box in inclusive pixel coordinates: it covers columns x1...x2 and rows y1...y2.
public struct Box: Hashable, Sendable, Codable {
    public var x1: Double, y1: Double, x2: Double, y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    /// A box read from line `line` of `path` (track and region files): x_max and y_max may not be below x_min and
    /// y_min, which would give a negative area and a meaningless overlap.
    static func read(x1: Double, y1: Double, x2: Double, y2: Double, path: String, line: Int) throws -> Box {
        guard x2 >= x1, y2 >= y1 else { throw EvaluationError(path, "line \(line): x_max or y_max is below x_min or y_min") }
        return Box(x1: x1, y1: y1, x2: x2, y2: y2)
    }

    /// Area with the inclusive convention, (x2 - x1 + 1)(y2 - y1 + 1).
    public var area: Double { (x2 - x1 + 1) * (y2 - y1 + 1) }

    /// Intersection over union with the inclusive pixel convention of the RBDC/TBDC scripts.
    public func iou(_ other: Box) -> Double {
        let w = max(0, min(x2, other.x2) - max(x1, other.x1) + 1)
        let h = max(0, min(y2, other.y2) - max(y1, other.y1) + 1)
        let intersection = w * h
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }
}
