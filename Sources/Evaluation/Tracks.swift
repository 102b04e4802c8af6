/// One ground-truth region: a box in one frame of one video, belonging to one track.
public struct GroundTruthRegion: Sendable, Equatable {
    public var frame: Int
    public var box: Box
    public init(frame: Int, box: Box) { self.frame = frame; self.box = box }
}

/// An anomalous object followed over time: its regions (one per annotated frame, possibly with gaps).
public struct GroundTruthTrack: Sendable, Equatable {
    public var regions: [GroundTruthRegion]
    public init(regions: [GroundTruthRegion]) { self.regions = regions }
}

/// A predicted anomalous region (a row of `<video>.regions.txt`).
public struct PredictedRegion: Sendable, Equatable {
    public var frame: Int
    public var box: Box
    public var score: Double
    public init(frame: Int, box: Box, score: Double) { self.frame = frame; self.box = box; self.score = score }
}
