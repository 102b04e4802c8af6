/// The datasets whose ground-truth layouts the evaluation understands.
public enum DatasetKind: String, Sendable, CaseIterable, Codable {
    case ped2, avenue, shanghaitech, generic, auto
}

/// Where the regions and tracks of RBDC/TBDC come from.
public enum RegionSource: String, Sendable, Codable {
    case trackFiles = "track files"
    case pixelMasks = "derived from pixel masks (8-connected components, tracks link components overlapping in consecutive frames)"
    case unavailable = "unavailable"
}

/// The ground truth of one test video.
public struct VideoGroundTruth: Sendable {
    /// The dataset's own name (`Test001`, `1_label`, `01_0014`).
    public var name: String
    /// The file the labels came from (for messages).
    public var source: String
    /// 0/1 per frame, 0-based.
    public var labels: [UInt8]
    /// False when the ground truth does not give the frame count (Ped2 `UCSDped2.m` without mask folders):
    /// the labels then end at the last anomalous frame and are padded with normal frames to the score length.
    public var lengthKnown: Bool
    /// Anomaly tracks, when available.
    public var tracks: [GroundTruthTrack]?

    public init(name: String, source: String, labels: [UInt8], lengthKnown: Bool = true, tracks: [GroundTruthTrack]? = nil) {
        self.name = name
        self.source = source
        self.labels = labels
        self.lengthKnown = lengthKnown
        self.tracks = tracks
    }
}

/// The ground truth of a test set.
public struct GroundTruthSet: Sendable {
    public var dataset: DatasetKind
    public var videos: [VideoGroundTruth]
    public var regionSource: RegionSource
    public var notes: [String] = []

    public init(dataset: DatasetKind, videos: [VideoGroundTruth], regionSource: RegionSource, notes: [String] = []) {
        self.dataset = dataset
        self.videos = videos
        self.regionSource = regionSource
        self.notes = notes
    }

    /// The key that pairs a score file with a ground-truth video: numbered datasets compare the number
    /// (Ped2 `01` and `Test001`, Avenue `01` and `1_label`), the others the exact name.
    public func matchKey(_ name: String) -> String {
        switch dataset {
        case .ped2, .avenue:
            var core = Substring(name)
            if core.hasPrefix("Test") { core = core.dropFirst(4) }
            if core.hasSuffix("_label") { core = core.dropLast(6) }
            if core.hasSuffix("_gt") { core = core.dropLast(3) }
            if let n = Int(core) { return String(n) }
            return name
        default:
            return name
        }
    }

    /// The name a video goes by in eval's output: its score file's stem by the README's convention (Ped2
    /// `Test001` and Avenue `1_label` are `01`; ShanghaiTech and generic names stay as they are), so the table,
    /// notes, JSON and charts name videos the way users name their score files.
    public func scoreFileName(_ name: String) -> String {
        let key = matchKey(name)
        guard dataset == .ped2 || dataset == .avenue, let number = Int(key) else { return name }
        return String(format: "%02d", number)
    }
}
