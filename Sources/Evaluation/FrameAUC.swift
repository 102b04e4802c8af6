/// Frame-level AUCs over a test set.
public enum MacroPadding: String, Sendable, CaseIterable, Codable {
    /// Each video gets one extra normal frame scored 0 and one extra anomalous frame scored 1
    /// (the SSMTL authors' convention; makes all-abnormal videos such as Avenue 8 and 18 usable).
    case on
    /// Videos are scored as they are; a video with a single class has no AUC and is left out of the mean.
    case off
}

public struct FrameAUCResult: Sendable {
    /// One ROC AUC over the frames of all videos concatenated; nil when the set has a single class.
    public var micro: Double?
    /// Mean of the per-video AUCs that are defined.
    public var macro: Double?
    /// Per-video AUC with the padding applied (nil when undefined).
    public var perVideo: [Double?]
    /// The micro ROC curve (for plots).
    public var microCurve: ROCCurve
}

public func frameAUCs(labels: [[UInt8]], scores: [[Double]], padding: MacroPadding) -> FrameAUCResult {
    precondition(labels.count == scores.count)
    let microCurve = ROCCurve(labels: labels.flatMap { $0 }, scores: scores.flatMap { $0 })
    var perVideo: [Double?] = []
    for (l, s) in zip(labels, scores) {
        if padding == .on {
            perVideo.append(rocAUC(labels: [0] + l + [1], scores: [0] + s + [1]))
        } else {
            perVideo.append(rocAUC(labels: l, scores: s))
        }
    }
    let defined = perVideo.compactMap { $0 }
    let macro = defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
    return FrameAUCResult(micro: microCurve.area, macro: macro, perVideo: perVideo, microCurve: microCurve)
}
