/// Splits a component that the closing merged from several objects (people walking side by side, a cyclist passing
/// a walker) back into one box per object: a recursive XY cut of the component's *pre-closing* pixels along empty
/// columns or rows. A 64x64 crop of a merged box shrinks every object in it and mixes their motions, which hides an
/// anomalous object among normal ones; one box per object keeps it visible.
///
/// `valley` (0..<1): a column or row counts as empty when it holds at most this fraction of the fullest one (people
/// whose shadows or swinging legs touch leave a thin bridge, not a gap). A cut is made only where both sides keep at
/// least `minPieceArea` pixels, so the closing still joins the small fragments of one object (a head above a body, a
/// thin bicycle frame opened away).
enum ComponentSplit {
    struct Piece: Equatable {
        var x1: Int, y1: Int, x2: Int, y2: Int
        var area: Int
    }

    /// `opened` (h, w) 0/1: the mask before closing; `labels` (h, w): component ids of the closed mask.
    /// Returns the pieces of component `id` inside its box (inclusive), or the whole component when no cut is made.
    static func split(box: Component, id: Int32, labels: UnsafeBufferPointer<Int32>, opened: UnsafeBufferPointer<UInt8>,
                      width w: Int, minPieceArea: Int, valley: Float = 0, depth: Int = 4) -> [Piece] {
        var pieces: [Piece] = []
        var profile: [Int] = []
        func isPixel(_ x: Int, _ y: Int) -> Bool {
            let i = y * w + x
            return opened[i] != 0 && labels[i] == id
        }
        // Tight box and area of the component's opened pixels inside a region; nil when empty.
        func tighten(_ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int) -> Piece? {
            var p = Piece(x1: x2 + 1, y1: y2 + 1, x2: x1 - 1, y2: y1 - 1, area: 0)
            for y in y1...y2 {
                for x in x1...x2 where isPixel(x, y) {
                    p.area += 1
                    p.x1 = min(p.x1, x); p.x2 = max(p.x2, x); p.y1 = min(p.y1, y); p.y2 = max(p.y2, y)
                }
            }
            return p.area > 0 ? p : nil
        }
        // Segments [start, end] of a profile separated by empty runs, with small segments merged into a neighbour.
        func segments(_ counts: [Int]) -> [ClosedRange<Int>] {
            var runs: [(ClosedRange<Int>, Int)] = []
            var start: Int?, sum = 0
            let floor = Int(valley * Float(counts.max() ?? 0))
            for (i, c) in counts.enumerated() {
                if c > floor {
                    if start == nil { start = i; sum = 0 }
                    sum += c
                } else if let s = start {
                    runs.append((s...(i - 1), sum)); start = nil
                }
            }
            if let s = start { runs.append((s...(counts.count - 1), sum)) }
            // Merge each run below the piece area into its smaller neighbour until all are large enough.
            while runs.count > 1, let i = runs.indices.min(by: { runs[$0].1 < runs[$1].1 }), runs[i].1 < minPieceArea {
                let left = i > 0 ? runs[i - 1].1 : Int.max, right = i + 1 < runs.count ? runs[i + 1].1 : Int.max
                let j = left <= right ? i - 1 : i + 1
                let lo = min(i, j), hi = max(i, j)
                runs[lo] = (runs[lo].0.lowerBound...runs[hi].0.upperBound, runs[lo].1 + runs[hi].1)
                runs.remove(at: hi)
            }
            return runs.map(\.0)
        }
        func cut(_ region: Piece, depth: Int) {
            guard depth > 0, region.area >= 2 * minPieceArea else { pieces.append(region); return }
            // Columns first (objects side by side are the common merge), then rows.
            for vertical in [true, false] {
                let n = vertical ? region.x2 - region.x1 + 1 : region.y2 - region.y1 + 1
                profile = [Int](repeating: 0, count: n)
                for y in region.y1...region.y2 {
                    for x in region.x1...region.x2 where isPixel(x, y) {
                        profile[vertical ? x - region.x1 : y - region.y1] += 1
                    }
                }
                let parts = segments(profile)
                guard parts.count > 1 else { continue }
                for part in parts {
                    let sub = vertical
                        ? tighten(region.x1 + part.lowerBound, region.y1, region.x1 + part.upperBound, region.y2)
                        : tighten(region.x1, region.y1 + part.lowerBound, region.x2, region.y1 + part.upperBound)
                    if let sub { cut(sub, depth: depth - 1) }
                }
                return
            }
            pieces.append(region)
        }
        guard let whole = tighten(box.x1, box.y1, box.x2, box.y2) else {
            return [Piece(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2, area: box.area)]
        }
        cut(whole, depth: depth)
        return pieces.count > 1 ? pieces : [Piece(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2, area: box.area)]
    }
}
