/// A coarse per-frame anomaly map: the frame divided into cells of `block` x `block` pixels (the last row and
/// column may be smaller); every cell touched by an object's box takes the largest score among the boxes
/// touching it; cells no box touches stay 0. With block = 1 the map is per pixel.
public struct AnomalyMap: Sendable, Equatable {
    public let columns: Int
    public let rows: Int
    public let block: Int
    /// rows x columns, row-major.
    public var cells: [Float]

    public init(frameWidth: Int, frameHeight: Int, block: Int) {
        precondition(block >= 1 && frameWidth >= 1 && frameHeight >= 1)
        self.block = block
        columns = (frameWidth + block - 1) / block
        rows = (frameHeight + block - 1) / block
        cells = [Float](repeating: 0, count: columns * rows)
    }

    /// Writes one object's score into every cell its (inclusive) box touches, keeping the larger value.
    public mutating func add(_ box: PixelBox, score: Float) {
        let gx1 = max(0, box.x1 / block), gx2 = min(columns - 1, box.x2 / block)
        let gy1 = max(0, box.y1 / block), gy2 = min(rows - 1, box.y2 / block)
        guard gx1 <= gx2, gy1 <= gy2, box.x2 >= 0, box.y2 >= 0 else { return }
        for gy in gy1...gy2 {
            for gx in gx1...gx2 where cells[gy * columns + gx] < score {
                cells[gy * columns + gx] = score
            }
        }
    }

    /// The frame's score: the largest cell (0 when no object was added, or all were below 0).
    public var maximum: Float { cells.max() ?? 0 }
}
