/// One 8-connected component of a mask: its bounding box (inclusive) and pixel counts.
struct Component: Equatable {
    var x1: Int, y1: Int, x2: Int, y2: Int
    var area: Int
    /// Pixels of the component that are also set in the `marked` mask (frame-difference pixels).
    var marked: Int
}

enum ConnectedComponents {
    /// Labels the 8-connected components of `mask` (0/1) with a scanline flood fill on an explicit stack.
    static func find(_ mask: [UInt8], marked: [UInt8], width w: Int, height h: Int, labels: inout [Int32]) -> [Component] {
        if labels.count != mask.count { labels = [Int32](repeating: 0, count: mask.count) }
        var components: [Component] = []
        var stack: [Int] = []
        labels.withUnsafeMutableBufferPointer { lab in
            lab.update(repeating: 0)
            mask.withUnsafeBufferPointer { m in
                marked.withUnsafeBufferPointer { mk in
                    for start in 0..<(w * h) where m[start] != 0 && lab[start] == 0 {
                        let id = Int32(components.count + 1)
                        var c = Component(x1: w, y1: h, x2: -1, y2: -1, area: 0, marked: 0)
                        lab[start] = id
                        stack.append(start)
                        while let p = stack.popLast() {
                            let x = p % w, y = p / w
                            c.area += 1
                            c.marked += Int(mk[p])
                            c.x1 = min(c.x1, x); c.x2 = max(c.x2, x); c.y1 = min(c.y1, y); c.y2 = max(c.y2, y)
                            for dy in -1...1 {
                                let ny = y + dy
                                guard ny >= 0, ny < h else { continue }
                                for dx in -1...1 {
                                    let nx = x + dx
                                    guard nx >= 0, nx < w else { continue }
                                    let q = ny * w + nx
                                    if m[q] != 0 && lab[q] == 0 { lab[q] = id; stack.append(q) }
                                }
                            }
                        }
                        components.append(c)
                    }
                }
            }
        }
        return components
    }
}
