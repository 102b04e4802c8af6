/// Which frames around a detection at frame i make up each task's input (t = 3 in the paper).
public enum TemporalOffsets {
    /// Arrow of time and motion irregularity, regular case: i-t ... i+t in order.
    public static func forward(t: Int = 3) -> [Int] { Array(-t...t) }

    /// Arrow of time, positive case: the forward sequence played backwards.
    public static func backward(t: Int = 3) -> [Int] { forward(t: t).reversed() }

    /// Middle-box prediction input: the 2t frames around i without i itself.
    public static func middleBoxInput(t: Int = 3) -> [Int] { forward(t: t).filter { $0 != 0 } }

    /// Motion irregularity, positive case: the middle frame kept, the t frames on each side taken at strictly
    /// increasing distances up to `maxOffset`, with at least one gap larger than 1 (so the motion is not the
    /// regular one).
    ///
    /// Two kinds, both within that definition: with probability `fastForwardShare` a uniform fast-forward
    /// (every k-th frame, k drawn from 2...maxOffset / t: the object moving k times faster than it did), otherwise
    /// random distances drawn independently on each side. Random distances are mostly large jumps (the largest
    /// of three draws from 1...15 averages 12), so without the fast-forward kind an object moving two or three
    /// times faster than normal, such as a cyclist among walkers, lies far from both training classes.
    public static func irregular<R: RandomNumberGenerator>(t: Int = 3, maxOffset: Int = 15, fastForwardShare: Double = 0,
                                                           using rng: inout R) -> [Int] {
        precondition(maxOffset >= t + 1, "maxOffset must leave room for an irregular gap")
        if fastForwardShare > 0, maxOffset / t >= 2, Double.random(in: 0..<1, using: &rng) < fastForwardShare {
            let k = Int.random(in: 2...(maxOffset / t), using: &rng)
            return (-t...t).map { $0 * k }
        }
        while true {
            let before = distinctSorted(count: t, upTo: maxOffset, using: &rng)
            let after = distinctSorted(count: t, upTo: maxOffset, using: &rng)
            let offsets = before.reversed().map { -$0 } + [0] + after
            let gaps = zip(offsets.dropFirst(), offsets).map { $0 - $1 }
            if gaps.contains(where: { $0 > 1 }) { return offsets }
        }
    }

    /// `count` distinct values from 1...upTo, ascending.
    private static func distinctSorted<R: RandomNumberGenerator>(count: Int, upTo: Int, using rng: inout R) -> [Int] {
        var pool = Array(1...upTo)
        for i in 0..<count {
            let j = Int.random(in: i..<pool.count, using: &rng)
            pool.swapAt(i, j)
        }
        return pool.prefix(count).sorted()
    }
}
