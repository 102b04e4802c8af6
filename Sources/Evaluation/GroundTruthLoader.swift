import Foundation

/// Loads a test set's ground truth, recognising the layout when `dataset` is `.auto`.
public enum GroundTruthLoader {
    public static func detect(_ path: String) -> DatasetKind {
        if Ped2GroundTruth.locate(path) != nil { return .ped2 }
        if AvenueGroundTruth.locate(path) != nil { return .avenue }
        if ShanghaiTechGroundTruth.locate(path) != nil { return .shanghaitech }
        return .generic
    }

    /// `deriveRegions`: also build the regions and tracks of RBDC/TBDC (from track files, or pixel masks).
    /// `tracksDirectory` overrides the dataset's own track files (for any layout).
    public static func load(path: String, dataset: DatasetKind, tracksDirectory: String? = nil, deriveRegions: Bool) throws -> GroundTruthSet {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw EvaluationError(path, "no such ground-truth file or folder") }
        if let tracks = tracksDirectory {
            guard FileManager.default.fileExists(atPath: tracks, isDirectory: &isDir) else {
                throw EvaluationError(tracks, "no such tracks folder (given with --tracks)")
            }
            guard isDir.boolValue else { throw EvaluationError(tracks, "is a file; --tracks takes the folder of <video>.txt track files") }
        }
        let kind = dataset == .auto ? detect(path) : dataset
        var set: GroundTruthSet
        switch kind {
        case .ped2:
            set = try Ped2GroundTruth.load(path: path, deriveRegions: deriveRegions && tracksDirectory == nil).set
        case .avenue:
            set = try AvenueGroundTruth.load(path: path, deriveRegions: deriveRegions && tracksDirectory == nil)
        case .shanghaitech:
            return try ShanghaiTechGroundTruth.load(path: path, tracksDirectory: tracksDirectory, deriveRegions: deriveRegions)
        case .generic, .auto:
            return try GenericGroundTruth.load(path: path, tracksDirectory: tracksDirectory, deriveRegions: deriveRegions)
        }
        if deriveRegions, let tracks = tracksDirectory {
            // Track files are named like the score files (`01.txt`): index them by the dataset's match key.
            let originalNames = set.videos.map(\.name)
            for i in set.videos.indices {
                let key = set.matchKey(set.videos[i].name)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: tracks)) ?? []
                if let file = names.first(where: { $0.hasSuffix(".txt") && set.matchKey(($0 as NSString).deletingPathExtension) == key }) {
                    set.videos[i].name = (file as NSString).deletingPathExtension
                }
            }
            try GenericGroundTruth.attachTracks(to: &set, folder: tracks)
            for i in set.videos.indices { set.videos[i].name = originalNames[i] }
        }
        return set
    }
}
