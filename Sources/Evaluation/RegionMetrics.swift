/// Region- and track-based detection criteria (Ramachandra & Jones, WACV 2020) as computed by the
/// SSMTL authors' evaluation script: one pass over all predictions sorted by score, descending.
public struct RegionTrackResult: Sendable {
    /// Area under RBDR vs FPR for FPR in [0, 1].
    public var rbdc: Double
    /// Area under TBDR vs FPR for FPR in [0, 1].
    public var tbdc: Double
    /// The curve points after truncation and extension: (fpr, rbdr, tbdr).
    public var fpr: [Double]
    public var rbdr: [Double]
    public var tbdr: [Double]
    public var groundTruthRegions: Int
    public var groundTruthTracks: Int
    public var predictions: Int
}

public struct RegionTrackParameters: Sendable {
    /// Minimum IoU between a prediction and a ground-truth region of its frame.
    public var beta = 0.1
    /// Fraction of a track's regions that must be detected for the track to count as detected.
    public var alpha = 0.1
    public init(beta: Double = 0.1, alpha: Double = 0.1) { self.beta = beta; self.alpha = alpha }
}

/// One video's input to RBDC/TBDC.
public struct RegionTrackVideo: Sendable {
    public var tracks: [GroundTruthTrack]
    public var predictions: [PredictedRegion]
    public init(tracks: [GroundTruthTrack], predictions: [PredictedRegion]) {
        self.tracks = tracks
        self.predictions = predictions
    }
}

/// RBDC and TBDC over a test set. `totalFrames` is the number of frames of the whole test set
/// (normal videos included): FPR = false positives / totalFrames.
public func regionTrackCriteria(videos: [RegionTrackVideo], totalFrames: Int,
                                parameters: RegionTrackParameters = RegionTrackParameters()) -> RegionTrackResult {
    // Ground-truth regions grouped by (video, frame), each with its global track index.
    struct Key: Hashable { var video: Int; var frame: Int }
    var regionBoxes: [Box] = []
    var regionTrack: [Int] = []
    var byFrame: [Key: [Int]] = [:]
    var trackLengths: [Int] = []
    for (v, video) in videos.enumerated() {
        for track in video.tracks {
            let t = trackLengths.count
            trackLengths.append(track.regions.count)
            for region in track.regions {
                byFrame[Key(video: v, frame: region.frame), default: []].append(regionBoxes.count)
                regionBoxes.append(region.box)
                regionTrack.append(t)
            }
        }
    }
    // Predictions of all videos; ties keep file order (video order, then row order).
    var all: [(video: Int, prediction: PredictedRegion)] = []
    for (v, video) in videos.enumerated() { for p in video.predictions { all.append((v, p)) } }
    let order = all.indices.sorted { all[$0].prediction.score > all[$1].prediction.score
        || (all[$0].prediction.score == all[$1].prediction.score && $0 < $1) }

    var found = [Bool](repeating: false, count: regionBoxes.count)
    var matchedPerTrack = [Int](repeating: 0, count: trackLengths.count)
    var detectedTracks = 0
    var cumTP = 0, cumFP = 0
    let frames = Double(max(totalFrames, 1))
    let regionCount = Double(max(regionBoxes.count, 1))
    let trackCount = Double(max(trackLengths.count, 1))
    var fpr = [0.0], rbdr = [0.0], tbdr = [0.0]
    fpr.reserveCapacity(all.count + 2); rbdr.reserveCapacity(all.count + 2); tbdr.reserveCapacity(all.count + 2)
    for i in order {
        let (v, p) = all[i]
        let candidates = byFrame[Key(video: v, frame: p.frame)] ?? []
        var matchedAny = false
        for r in candidates where p.box.iou(regionBoxes[r]) >= parameters.beta {
            matchedAny = true
            if !found[r] {
                found[r] = true
                cumTP += 1
                let t = regionTrack[r]
                let before = Double(matchedPerTrack[t]) / Double(trackLengths[t]) >= parameters.alpha
                matchedPerTrack[t] += 1
                let after = Double(matchedPerTrack[t]) / Double(trackLengths[t]) >= parameters.alpha
                if after && !before { detectedTracks += 1 }
            }
        }
        if !matchedAny { cumFP += 1 }
        fpr.append(Double(cumFP) / frames)
        rbdr.append(regionBoxes.isEmpty ? 0 : Double(cumTP) / regionCount)
        tbdr.append(trackLengths.isEmpty ? 0 : Double(detectedTracks) / trackCount)
    }
    // Keep FPR <= 1, then extend flat to FPR = 1.
    var keep = fpr.count
    while keep > 1 && fpr[keep - 1] > 1 { keep -= 1 }
    fpr.removeLast(fpr.count - keep); rbdr.removeLast(rbdr.count - keep); tbdr.removeLast(tbdr.count - keep)
    if fpr.last! != 1 {
        fpr.append(1); rbdr.append(rbdr.last!); tbdr.append(tbdr.last!)
    }
    return RegionTrackResult(rbdc: trapezoidArea(x: fpr, y: rbdr), tbdc: trapezoidArea(x: fpr, y: tbdr),
                             fpr: fpr, rbdr: rbdr, tbdr: tbdr,
                             groundTruthRegions: regionBoxes.count, groundTruthTracks: trackLengths.count,
                             predictions: all.count)
}
