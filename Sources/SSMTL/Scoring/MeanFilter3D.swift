/// A K x K x K box mean over (time, rows, columns) of consecutive anomaly maps, streamed: push maps in order,
/// get back each map filtered once the K/2 maps after it have arrived (or at the end). Near the borders the
/// mean is taken over the neighbours that exist (no padding values enter the mean).
/// Holds K maps at a time.
public struct MeanFilter3D {
    public let size: Int
    private var pending: [AnomalyMap] = []
    private var firstPendingIndex = 0
    private var nextOutput = 0

    public init(size: Int) {
        precondition(size >= 1 && size % 2 == 1, "the filter size must be odd")
        self.size = size
    }

    /// Adds the next map; returns the filtered maps that became complete (at most one).
    public mutating func push(_ map: AnomalyMap) -> [AnomalyMap] {
        pending.append(map)
        var ready: [AnomalyMap] = []
        let radius = size / 2
        while nextOutput + radius < firstPendingIndex + pending.count {
            ready.append(filtered(at: nextOutput))
            nextOutput += 1
            trim()
        }
        return ready
    }

    /// Flushes the maps still waiting for their successors (the video has ended).
    public mutating func finish() -> [AnomalyMap] {
        var ready: [AnomalyMap] = []
        while nextOutput < firstPendingIndex + pending.count {
            ready.append(filtered(at: nextOutput))
            nextOutput += 1
        }
        pending.removeAll()
        return ready
    }

    private mutating func trim() {
        let keepFrom = nextOutput - size / 2
        while firstPendingIndex < keepFrom && !pending.isEmpty {
            pending.removeFirst()
            firstPendingIndex += 1
        }
    }

    private func filtered(at t: Int) -> AnomalyMap {
        let radius = size / 2
        var out = pending[t - firstPendingIndex]
        let rows = out.rows, columns = out.columns
        let t0 = max(firstPendingIndex, t - radius), t1 = min(firstPendingIndex + pending.count - 1, t + radius)
        for r in 0..<rows {
            for c in 0..<columns {
                var sum: Float = 0
                var count = 0
                for tt in t0...t1 {
                    let cells = pending[tt - firstPendingIndex].cells
                    for rr in max(0, r - radius)...min(rows - 1, r + radius) {
                        for cc in max(0, c - radius)...min(columns - 1, c + radius) {
                            sum += cells[rr * columns + cc]
                            count += 1
                        }
                    }
                }
                out.cells[r * columns + c] = sum / Float(count)
            }
        }
        return out
    }
}
