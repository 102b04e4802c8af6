/// Turns the scored objects of one video, streamed frame by frame, into frame scores:
/// anomaly map on a grid (max of the boxes over each cell) -> optional K x K x K mean filter -> max of the map ->
/// temporal smoothing (`smoothFrameScores`: a Gaussian kept within the raw scores 3 frames either side) -> optional
/// min-max normalisation. Per-head columns follow the same path without the map: each head's frame value is the max
/// over objects of that head's standardised score (0 when no object, as for the map).
///
/// Memory: one map (K maps with the 3D filter) plus one number per frame per column.
public struct FrameScorer {
    public struct Settings: Sendable {
        /// Cell size of the anomaly map in pixels (1 = per pixel).
        public var block: Int
        /// Size K of the K x K x K mean filter over (time, rows, columns); 0 or 1 = off. On by default (5, per-pixel
        /// cells): the frame max takes whichever object spikes in each frame, so one-frame spikes of different normal
        /// objects would add up after the temporal smoothing, while an anomaly that stays where it is survives the
        /// filter (docs/experiments.md).
        public var filter3D: Int
        /// Standard deviation of the temporal Gaussian in frames; 0 = off.
        public var sigma: Double
        /// Rescale each video's scores to [0, 1].
        public var normalize: Bool

        public init(block: Int = 1, filter3D: Int = 5, sigma: Double = 0, normalize: Bool = false) {
            self.block = block; self.filter3D = filter3D; self.sigma = sigma; self.normalize = normalize
        }
    }

    /// One row of `<video>.csv`.
    public struct Row: Sendable, Equatable {
        public var frame: Int
        public var score: Double
        /// aot, mi, mb, kd, app (HeadScores.names)
        public var heads: [Double]
    }

    public let settings: Settings
    private let width: Int, height: Int
    private var filter: MeanFilter3D?
    private var mapScores: [Double] = []
    private var headScores: [[Double]] = HeadScores.names.map { _ in [] }
    private var nextFrame = 0

    public init(frameWidth: Int, frameHeight: Int, settings: Settings) {
        width = frameWidth
        height = frameHeight
        self.settings = settings
        if settings.filter3D > 1 { filter = MeanFilter3D(size: settings.filter3D | 1) }
    }

    /// Adds the objects of the next frame (frames must come in order; an empty list is a frame without objects).
    public mutating func addFrame(_ objects: [ScoredObject]) {
        var map = AnomalyMap(frameWidth: width, frameHeight: height, block: settings.block)
        for object in objects { map.add(object.box, score: object.score) }
        for h in headScores.indices {
            headScores[h].append(Double(objects.map { max(0, $0.heads[h]) }.max() ?? 0))
        }
        nextFrame += 1
        if filter != nil {
            for filtered in filter!.push(map) { mapScores.append(Double(filtered.maximum)) }
        } else {
            mapScores.append(Double(map.maximum))
        }
    }

    /// The rows of every frame added, after smoothing and normalisation.
    public mutating func finish() -> [Row] {
        if filter != nil { for filtered in filter!.finish() { mapScores.append(Double(filtered.maximum)) } }
        var score = smoothFrameScores(mapScores, sigma: settings.sigma)
        var heads = headScores.map { smoothFrameScores($0, sigma: settings.sigma) }
        if settings.normalize {
            score = minMaxNormalize(score)
            heads = heads.map(minMaxNormalize)
        }
        return (0..<score.count).map { f in Row(frame: f, score: score[f], heads: heads.map { $0[f] }) }
    }
}
