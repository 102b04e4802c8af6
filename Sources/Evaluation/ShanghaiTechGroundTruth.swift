import Foundation

/// ShanghaiTech Campus: `test_frame_mask/<video>.npy` (1-D 0/1 per frame), optional `test_pixel_mask/<video>.npy`
/// (T x H x W) and `tracks/<video>.txt`. Also the layout `ssmtl synth` writes.
/// Frame labels from `.npy` or `.txt` files, shared by the ShanghaiTech and generic layouts.
public enum FrameLabelFile {
    public static func read(path: String) throws -> [UInt8] {
        if path.hasSuffix(".npy") { return try labels(of: NpyFile.read(path: path), path: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw EvaluationError(path, "cannot read the file") }
        var labels: [UInt8] = []
        for field in splitFields(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\n", with: " ")) {
            guard let v = Double(field), v == 0 || v == 1 else { throw EvaluationError(path, "'\(field)' is not a 0/1 label") }
            labels.append(v == 1 ? 1 : 0)
        }
        return labels
    }

    /// The 0/1 labels of a parsed `.npy` array (1-D, or 2-D with a dimension of 1).
    static func labels(of array: NpyArray, path: String) throws -> [UInt8] {
        guard array.shape.count == 1 || (array.shape.count == 2 && array.shape.contains(1)) else {
            throw EvaluationError(path, "frame labels must be 1-D, the array has shape \(array.shape)")
        }
        return try (0..<array.count).map { i in
            let v = array.storedValue(i)
            guard v == 0 || v == 1 else { throw EvaluationError(path, "label \(i) is \(v), not 0 or 1") }
            return v == 1 ? 1 : 0
        }
    }
}

public enum ShanghaiTechGroundTruth {
    /// The folder that holds `test_frame_mask`: PATH, PATH/testing, or PATH's parent when PATH is `test_frame_mask`.
    public static func locate(_ path: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        for root in [path, path + "/testing", (path as NSString).deletingLastPathComponent]
        where fm.fileExists(atPath: root + "/test_frame_mask", isDirectory: &isDir) && isDir.boolValue {
            return root
        }
        return nil
    }

    public static func load(path: String, tracksDirectory: String?, deriveRegions: Bool) throws -> GroundTruthSet {
        guard let root = locate(path) else { throw EvaluationError(path, "no test_frame_mask folder found") }
        var set = try GenericGroundTruth.loadLabels(folder: root + "/test_frame_mask", extensions: ["npy"])
        set.dataset = .shanghaitech
        let tracks = tracksDirectory ?? root + "/tracks"
        if deriveRegions {
            if FileManager.default.fileExists(atPath: tracks) {
                try GenericGroundTruth.attachTracks(to: &set, folder: tracks)
            } else if FileManager.default.fileExists(atPath: root + "/test_pixel_mask") {
                for i in set.videos.indices {
                    set.videos[i].tracks = try tracksFromPixelMasks(path: root + "/test_pixel_mask/\(set.videos[i].name).npy",
                                                                    frames: set.videos[i].labels.count)
                }
                set.regionSource = .pixelMasks
            } else {
                set.notes.append("no tracks folder and no test_pixel_mask folder: RBDC/TBDC cannot be computed")
            }
        }
        return set
    }

    /// Regions and tracks from a T x H x W pixel-mask array.
    public static func tracksFromPixelMasks(path: String, frames: Int) throws -> [GroundTruthTrack] {
        try tracks(fromPixelMasks: NpyFile.read(path: path), frames: frames, path: path)
    }

    /// Regions and tracks from a parsed T x H x W pixel-mask array.
    static func tracks(fromPixelMasks array: NpyArray, frames: Int, path: String) throws -> [GroundTruthTrack] {
        guard array.shape.count == 3 else { throw EvaluationError(path, "pixel masks must be T x H x W, the array has shape \(array.shape)") }
        guard array.shape[0] == frames else {
            throw EvaluationError(path, "holds \(array.shape[0]) masks, the frame labels have \(frames) frames")
        }
        var builder = MaskTrackBuilder()
        for t in 0..<frames { builder.add(frame: t, mask: array.mask(frame: t)) }
        return builder.tracks()
    }
}
