import Foundation

/// Generic layout: a folder of per-video frame-label files `<video>.npy` or `<video>.txt` (0/1 per frame),
/// tracks from `--tracks DIR` or a `tracks` subfolder.
public enum GenericGroundTruth {
    public static func loadLabels(folder: String, extensions: Set<String>) throws -> GroundTruthSet {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw EvaluationError(folder, "cannot list the folder")
        }
        let files = naturalSorted(names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") })
        guard !files.isEmpty else { throw EvaluationError(folder, "no frame-label files (\(extensions.sorted().joined(separator: ", "))) found") }
        var seen = Set<String>()
        var videos: [VideoGroundTruth] = []
        for file in files {
            let name = (file as NSString).deletingPathExtension
            guard seen.insert(name).inserted else { throw EvaluationError(folder + "/" + file, "two label files for video \(name)") }
            videos.append(VideoGroundTruth(name: name, source: folder + "/" + file, labels: try FrameLabelFile.read(path: folder + "/" + file)))
        }
        return GroundTruthSet(dataset: .generic, videos: videos, regionSource: .unavailable)
    }

    /// Reads `<folder>/<video>.txt` for every video; a video without a file has no anomaly track.
    public static func attachTracks(to set: inout GroundTruthSet, folder: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw EvaluationError(folder, "no such tracks folder")
        }
        var missing = 0
        for i in set.videos.indices {
            let file = folder + "/" + set.videos[i].name + ".txt"
            if FileManager.default.fileExists(atPath: file) {
                let tracks = try TrackFile.read(path: file)
                let frames = set.videos[i].labels.count
                // (Ped2 labels without mask folders end at the last anomalous frame: the length is not known.)
                if set.videos[i].lengthKnown, let late = tracks.lazy.flatMap(\.regions).first(where: { $0.frame >= frames }) {
                    throw EvaluationError(file, "a region at frame \(late.frame) is beyond the video's \(frames) labelled frames")
                }
                set.videos[i].tracks = tracks
            } else {
                set.videos[i].tracks = []
                missing += 1
            }
        }
        if missing > 0 { set.notes.append("\(missing) videos have no track file in \(folder): no anomaly tracks for them") }
        set.regionSource = .trackFiles
    }

    public static func load(path: String, tracksDirectory: String?, deriveRegions: Bool) throws -> GroundTruthSet {
        var set = try loadLabels(folder: path, extensions: ["npy", "txt"])
        if deriveRegions {
            let tracks = tracksDirectory ?? path + "/tracks"
            if FileManager.default.fileExists(atPath: tracks) { try attachTracks(to: &set, folder: tracks) }
            else { set.notes.append("no tracks folder: RBDC/TBDC cannot be computed (use --tracks DIR)") }
        }
        return set
    }
}
