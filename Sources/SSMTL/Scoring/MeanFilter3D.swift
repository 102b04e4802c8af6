/// How the 3D filter reduces the T frames around each map (`score --filter-time`).
public enum TemporalReduction: String, Sendable, CaseIterable {
    /// The mean over the T x K x K box.
    case mean
    /// Each map averaged over K x K cells, then every cell's median over the T frames: a value lasting fewer than
    /// T/2 + 1 frames (a one-frame spike) is removed rather than diluted.
    case median
}

/// A T x K x K box filter over (time, rows, columns) of consecutive anomaly maps, streamed: push maps in order,
/// get back each map filtered once the T/2 maps after it have arrived (or at the end). Near the borders only the
/// neighbours that exist are used (no padding values enter the mean or the median). Over time it takes the mean
/// or, with `TemporalReduction.median`, the median of the K x K means.
/// Holds T maps at a time (and their K x K means for the median).
public struct MeanFilter3D {
    /// Spatial side K (cells) and temporal length T (maps), both odd.
    public let size: Int, frames: Int
    public let temporal: TemporalReduction
    private var pending: [AnomalyMap] = []
    /// For the median: the K x K mean of each pending map, computed once as it arrives.
    private var pendingSpatial: [AnomalyMap] = []
    private var firstPendingIndex = 0
    private var nextOutput = 0

    /// `frames` defaults to `size` (a K x K x K cube).
    public init(size: Int, frames: Int? = nil, temporal: TemporalReduction = .mean) {
        let frames = frames ?? size
        precondition(size >= 1 && size % 2 == 1 && frames >= 1 && frames % 2 == 1, "the filter sizes must be odd")
        self.size = size
        self.frames = frames
        self.temporal = temporal
    }

    /// Adds the next map; returns the filtered maps that became complete (at most one).
    public mutating func push(_ map: AnomalyMap) -> [AnomalyMap] {
        pending.append(map)
        if temporal == .median {
            pendingSpatial.append(Self.separableMean([map][...], centre: 0, radius: size / 2))
        }
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
        pendingSpatial.removeAll()
        return ready
    }

    private mutating func trim() {
        let keepFrom = nextOutput - frames / 2
        while firstPendingIndex < keepFrom && !pending.isEmpty {
            pending.removeFirst()
            if temporal == .median { pendingSpatial.removeFirst() }
            firstPendingIndex += 1
        }
    }

    /// Whether `filtered(at:)` uses the direct T·K² loop (the reference, for tests) instead of the separable one.
    public var useNaiveKernel = false

    private func filtered(at t: Int) -> AnomalyMap {
        let radius = size / 2, timeRadius = frames / 2
        let t0 = max(firstPendingIndex, t - timeRadius), t1 = min(firstPendingIndex + pending.count - 1, t + timeRadius)
        let range = (t0 - firstPendingIndex)...(t1 - firstPendingIndex)
        switch (temporal, useNaiveKernel) {
        case (.mean, true): return Self.naiveMean(pending[range], centre: t - t0, radius: radius)
        case (.mean, false): return Self.separableMean(pending[range], centre: t - t0, radius: radius)
        case (.median, true): return Self.naiveMedian(pending[range], centre: t - t0, radius: radius)
        case (.median, false): return Self.temporalMedian(pendingSpatial[range], centre: t - t0)
        }
    }

    /// Reference kernel of the median: each map's K x K mean by the direct loop (`naiveMean` of a one-map window),
    /// then every cell's median of those T means by a full sort. O(cells · T·K²).
    static func naiveMedian(_ maps: ArraySlice<AnomalyMap>, centre: Int, radius: Int) -> AnomalyMap {
        let means = maps.indices.map { naiveMean(maps[$0...$0], centre: 0, radius: radius) }
        var out = maps[maps.startIndex + centre]
        for i in out.cells.indices { out.cells[i] = medianOfSorted(means.map { $0.cells[i] }.sorted()) }
        return out
    }

    /// The middle of sorted values; an even count (a window clipped at a video's end) takes the mean of the two
    /// middle values, as NumPy does.
    static func medianOfSorted(_ values: [Float]) -> Float {
        let m = values.count / 2
        return values.count % 2 == 1 ? values[m] : (values[m - 1] + values[m]) / 2
    }

    /// Every cell's median over `maps` (already K x K means): a small insertion sort per cell, as T is at most 99.
    static func temporalMedian(_ maps: ArraySlice<AnomalyMap>, centre: Int) -> AnomalyMap {
        var out = maps[maps.startIndex + centre]
        let n = out.cells.count, count = maps.count
        var values = [Float](repeating: 0, count: count)
        let sources = Array(maps)
        out.cells.withUnsafeMutableBufferPointer { dst in
            for i in 0..<n {
                for k in 0..<count {
                    let v = sources[k].cells[i]
                    var j = k
                    while j > 0 && values[j - 1] > v { values[j] = values[j - 1]; j -= 1 }
                    values[j] = v
                }
                dst[i] = medianOfSorted(values)
            }
        }
        return out
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
