/// A K x K x K box mean over (time, rows, columns) of consecutive anomaly maps, streamed: push maps in order, get
/// back each map filtered once the K/2 maps after it have arrived (or at the end). Near the borders only the
/// neighbours that exist are used (no padding values enter the mean). Holds K maps at a time.
public struct MeanFilter3D {
    /// Side K in cells and in frames (odd).
    public let size: Int
    private var frames: Int { size }
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
        let radius = frames / 2
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
        let keepFrom = nextOutput - frames / 2
        while firstPendingIndex < keepFrom && !pending.isEmpty {
            pending.removeFirst()
            firstPendingIndex += 1
        }
    }

    /// Whether `filtered(at:)` uses the direct T·K² loop (the reference, for tests) instead of the separable one.
    public var useNaiveKernel = false

    private func filtered(at t: Int) -> AnomalyMap {
        let radius = size / 2, timeRadius = frames / 2
        let t0 = max(firstPendingIndex, t - timeRadius), t1 = min(firstPendingIndex + pending.count - 1, t + timeRadius)
        let range = (t0 - firstPendingIndex)...(t1 - firstPendingIndex)
        return useNaiveKernel ? Self.naiveMean(pending[range], centre: t - t0, radius: radius)
                              : Self.separableMean(pending[range], centre: t - t0, radius: radius)
    }

    /// Reference kernel: for every cell, the mean of the cells of `maps` (the time window) within `radius` in rows
    /// and columns that exist. O(cells · T·K²).
    static func naiveMean(_ maps: ArraySlice<AnomalyMap>, centre: Int, radius: Int) -> AnomalyMap {
        var out = maps[maps.startIndex + centre]
        let rows = out.rows, columns = out.columns
        for r in 0..<rows {
            for c in 0..<columns {
                var sum: Float = 0
                var count = 0
                for map in maps {
                    for rr in max(0, r - radius)...min(rows - 1, r + radius) {
                        for cc in max(0, c - radius)...min(columns - 1, c + radius) {
                            sum += map.cells[rr * columns + cc]
                            count += 1
                        }
                    }
                }
                out.cells[r * columns + c] = sum / Float(count)
            }
        }
        return out
    }

    /// The same mean as three 1D box sums (time, then columns, then rows) and one division by the product of the
    /// three window lengths (the window is a box clipped at the borders, so its cell count factorises).
    /// O(cells · (T + 2K)): a per-pixel map of a 360x240 frame with T = K = 5 is about 1.3 M additions.
    static func separableMean(_ maps: ArraySlice<AnomalyMap>, centre: Int, radius: Int) -> AnomalyMap {
        var out = maps[maps.startIndex + centre]
        let rows = out.rows, columns = out.columns, n = rows * columns
        var timeSum = [Float](repeating: 0, count: n)
        timeSum.withUnsafeMutableBufferPointer { acc in
            for map in maps {
                map.cells.withUnsafeBufferPointer { cells in for i in 0..<n { acc[i] += cells[i] } }
            }
        }
        var rowSum = [Float](repeating: 0, count: n)  // along each row: sum over the columns within radius
        timeSum.withUnsafeBufferPointer { src in
            rowSum.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    let base = r * columns
                    for c in 0..<columns {
                        var s: Float = 0
                        for cc in max(0, c - radius)...min(columns - 1, c + radius) { s += src[base + cc] }
                        dst[base + c] = s
                    }
                }
            }
        }
        let frames = Float(maps.count)
        rowSum.withUnsafeBufferPointer { src in
            out.cells.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    let r0 = max(0, r - radius), r1 = min(rows - 1, r + radius)
                    let rowCount = Float(r1 - r0 + 1)
                    for c in 0..<columns {
                        var s: Float = 0
                        for rr in r0...r1 { s += src[rr * columns + c] }
                        let columnCount = Float(min(columns - 1, c + radius) - max(0, c - radius) + 1)
                        dst[r * columns + c] = s / (frames * rowCount * columnCount)
                    }
                }
            }
        }
        return out
    }
}
