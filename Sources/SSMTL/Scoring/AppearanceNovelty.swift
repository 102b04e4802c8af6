import NeuralNet
import Randomness

// Appearance novelty, the fifth score (no pretrained weights): how far an object's features are from those of
// every training object. The features are the encoder's output for the object's 7-frame sequence (the map the
// arrow-of-time, irregularity and distillation heads read), pooled over time by the network, averaged 2x2 in space
// (a coarse layout of the object and of how it moves: a cyclist's outline and pedalling differ from a walker's
// gait) and scaled to unit length. The bank is a seeded sample of the training objects' features, stored in the
// checkpoint; the raw score is the Euclidean distance to the nearest bank entry. Each head answers one question
// about an object; the nearest-neighbour distance asks whether anything like it was seen in training at all.

/// Appearance features of a batch: (N, C, s, s) temporally pooled encoder maps -> 2x2 mean -> (N, C·(s/2)²),
/// every row scaled to unit length (a zero row stays zero).
public func appearanceFeatures(_ pooled: Tensor) -> (values: [Float], dimension: Int) {
    precondition(pooled.shape.count == 4 && pooled.shape[2] % 2 == 0 && pooled.shape[3] % 2 == 0)
    let (n, c, h, w) = (pooled.shape[0], pooled.shape[1], pooled.shape[2], pooled.shape[3])
    let (oh, ow) = (h / 2, w / 2), d = c * oh * ow
    var out = [Float](repeating: 0, count: n * d)
    let src = pooled.data
    for i in 0..<n {
        var norm: Float = 0
        for ch in 0..<c {
            let plane = src + (i * c + ch) * h * w
            for y in 0..<oh {
                for x in 0..<ow {
                    let p = plane + 2 * y * w + 2 * x
                    let v = 0.25 * (p[0] + p[1] + p[w] + p[w + 1])
                    out[i * d + (ch * oh + y) * ow + x] = v
                    norm += v * v
                }
            }
        }
        if norm > 0 {
            let scale = 1 / norm.squareRoot()
            for k in 0..<d { out[i * d + k] *= scale }
        }
    }
    return (out, d)
}

/// A sample of the training objects' appearance features (unit rows), and how objects are scored against it.
public struct AppearanceBank: Sendable, Equatable {
    /// Tensor name in the checkpoint, shape (count, dimension).
    public static let tensorName = "appearance.bank"
    public let dimension: Int
    /// (count, dimension) row-major.
    public let entries: [Float]
    public var count: Int { entries.count / dimension }

    public init(dimension: Int, entries: [Float]) {
        precondition(dimension > 0 && entries.count % dimension == 0)
        self.dimension = dimension
        self.entries = entries
    }

    /// The raw appearance score of each of the `n` unit rows of `features`: the Euclidean distance to its nearest
    /// bank entry.
    public func distances(_ features: [Float], count n: Int) -> [Float] {
        precondition(features.count == n * dimension)
        let products = features.withUnsafeBufferPointer { q in
            entries.withUnsafeBufferPointer { b in
                maxInnerProducts(queries: q.baseAddress!, count: n, bank: b.baseAddress!, bankCount: count, dimension: dimension)
            }
        }
        return products.map(unitDistance)
    }
}

/// |a - b| for unit vectors with inner product `dot` (clamped: rounding can push 2 - 2·dot below 0).
@inline(__always) func unitDistance(_ dot: Float) -> Float { max(0, 2 - 2 * dot).squareRoot() }

/// Collects the appearance features of the training objects while they are scored, video by video, and turns them
/// into a bank and the mean and spread of the normal distance.
///
/// Memory is bounded: a reservoir sample (seeded, so a run is reproducible) of at most `capacity` objects is kept.
/// The normal distance of a sampled object is measured to its nearest sampled object *of another video*: in its own
/// video the same person appears a frame earlier and later, which would make every training distance nearly 0. With
/// a single video, its objects are split into ten consecutive parts that play the role of videos.
public final class AppearanceSampler {
    public let capacity: Int
    private var rng: SplitMix64
    private var dimension = 0
    private var features: [Float] = []
    /// Per kept object: its video and its position among that video's objects.
    private var origin: [(video: Int, position: Int)] = []
    private var seenPerVideo: [Int: Int] = [:]
    private var seen = 0
    private var video = 0

    /// The bank's cap when none is given (`train --appearance-bank`): every object of Ped2's training split fits.
    public static let defaultCapacity = 32768

    public init(capacity: Int = defaultCapacity, seed: UInt64) {
        precondition(capacity > 0)
        self.capacity = capacity
        rng = SplitMix64.derived(seed: seed, epoch: 0, purpose: 0xA99E_A2A4)
    }

    /// The objects added from now on come from video `index`.
    public func beginVideo(_ index: Int) { video = index }

    /// Adds `n` feature rows of `d` values each.
    public func add(_ values: [Float], count n: Int, dimension d: Int) {
        precondition(values.count == n * d && (dimension == 0 || dimension == d))
        dimension = d
        for i in 0..<n {
            let position = seenPerVideo[video, default: 0]
            seenPerVideo[video] = position + 1
            // Reservoir sampling: object number t (from 0) is kept with probability capacity / (t + 1).
            let t = seen
            seen += 1
            let slot: Int
            if t < capacity {
                slot = t
                origin.append((video, position))
                features.append(contentsOf: repeatElement(0, count: d))
            } else {
                slot = Int(rng.next() % UInt64(t + 1))
                guard slot < capacity else { continue }
                origin[slot] = (video, position)
            }
            for k in 0..<d { features[slot * d + k] = values[i * d + k] }
        }
    }

    /// Objects offered so far (kept or not).
    public var offered: Int { seen }

    /// Objects kept so far.
    public var count: Int { origin.count }

    /// The bank, and the mean and standard deviation of the leave-one-video-out distance of its entries (each to its
    /// nearest entry of another video); nil with fewer than two groups, or no spread, when no normal distance can be
    /// measured.
    public func finish() -> (bank: AppearanceBank, mean: Float, std: Float)? {
        guard dimension > 0 else { return nil }
        let groups = groupsOfKept()
        guard Set(groups).count >= 2 else { return nil }
        let n = origin.count
        let products = features.withUnsafeBufferPointer { f in
            maxInnerProducts(queries: f.baseAddress!, count: n, bank: f.baseAddress!, bankCount: n, dimension: dimension,
                             queryGroups: groups, bankGroups: groups)
        }
        let distances = products.map { Double(unitDistance($0)) }
        let mean = distances.reduce(0, +) / Double(n)
        let variance = distances.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        guard variance > 0 else { return nil }
        return (AppearanceBank(dimension: dimension, entries: features), Float(mean), Float(variance.squareRoot()))
    }

    /// The group of every kept object: its video, or with a single video, which tenth of it.
    func groupsOfKept() -> [Int] {
        let videos = Set(origin.map(\.video))
        if videos.count >= 2 { return origin.map(\.video) }
        guard let only = videos.first, let total = seenPerVideo[only], total > 0 else { return origin.map { _ in 0 } }
        return origin.map { $0.position * 10 / total }
    }
}
