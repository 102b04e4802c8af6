/// Connected components of a mask with 8-connectivity.
public struct ComponentLabels: Sendable {
    /// Per pixel: 0 = background, k >= 1 = component k - 1.
    public var labels: [Int32]
    /// Inclusive bounding box of each component.
    public var boxes: [Box]
}

public func connectedComponents(_ mask: BinaryMask) -> ComponentLabels {
    let w = mask.width, h = mask.height
    var labels = [Int32](repeating: 0, count: w * h)
    var boxes: [Box] = []
    var stack: [Int] = []
    mask.pixels.withUnsafeBufferPointer { px in
        for start in 0..<(w * h) where px[start] != 0 && labels[start] == 0 {
            let id = Int32(boxes.count + 1)
            var minX = w, minY = h, maxX = -1, maxY = -1
            labels[start] = id
            stack.append(start)
            while let p = stack.popLast() {
                let x = p % w, y = p / w
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                for dy in -1...1 {
                    let ny = y + dy
                    if ny < 0 || ny >= h { continue }
                    for dx in -1...1 {
                        let nx = x + dx
                        if nx < 0 || nx >= w || (dx == 0 && dy == 0) { continue }
                        let q = ny * w + nx
                        if px[q] != 0 && labels[q] == 0 {
                            labels[q] = id
                            stack.append(q)
                        }
                    }
                }
            }
            boxes.append(Box(x1: Double(minX), y1: Double(minY), x2: Double(maxX), y2: Double(maxY)))
        }
    }
    return ComponentLabels(labels: labels, boxes: boxes)
}

/// Builds regions and tracks from a video's pixel masks, one frame at a time (memory: two label maps):
/// regions are the connected components (8-connectivity) of each mask, as bounding boxes; components that
/// share at least one pixel position between consecutive frames belong to the same track.
public struct MaskTrackBuilder: Sendable {
    private var regions: [GroundTruthRegion] = []
    private var parent: [Int] = []
    private var previous: (labels: ComponentLabels, firstRegion: Int, width: Int)?
    private var lastFrame = -2

    public init() {}

    private mutating func find(_ i: Int) -> Int {
        var i = i
        while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
        return i
    }

    /// Adds the mask of `frame` (frames must come in increasing order; a skipped frame breaks the links).
    /// `transposed`: the mask holds the picture with rows and columns swapped (MATLAB's column-major bytes);
    /// boxes are swapped back. All masks of a builder must use the same orientation.
    public mutating func add(frame: Int, mask: BinaryMask, transposed: Bool = false) {
        guard !mask.isEmpty else { previous = nil; lastFrame = frame; return }
        let components = connectedComponents(mask)
        let first = regions.count
        for b in components.boxes {
            parent.append(regions.count)
            let box = transposed ? Box(x1: b.y1, y1: b.x1, x2: b.y2, y2: b.x2) : b
            regions.append(GroundTruthRegion(frame: frame, box: box))
        }
        if let prev = previous, lastFrame == frame - 1, prev.width == mask.width,
           prev.labels.labels.count == components.labels.count {
            for (p, label) in components.labels.enumerated() where label != 0 {
                let before = prev.labels.labels[p]
                if before != 0 {
                    let a = find(first + Int(label) - 1), b = find(prev.firstRegion + Int(before) - 1)
                    if a != b { parent[max(a, b)] = min(a, b) }
                }
            }
        }
        previous = (components, first, mask.width)
        lastFrame = frame
    }

    /// The tracks, ordered by their first region; regions inside a track by frame.
    public mutating func tracks() -> [GroundTruthTrack] {
        var index: [Int: Int] = [:]
        var result: [GroundTruthTrack] = []
        for r in regions.indices {
            let root = find(r)
            if let t = index[root] { result[t].regions.append(regions[r]) } else {
                index[root] = result.count
                result.append(GroundTruthTrack(regions: [regions[r]]))
            }
        }
        return result
    }
}
