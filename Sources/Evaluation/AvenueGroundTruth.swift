import Foundation

/// CUHK Avenue: `testing_label_mask/N_label.mat`, variable `volLabel` = 1 x T cell of H x W uint8 masks
/// (cell j = frame j-1). A frame is anomalous when its mask has a non-zero pixel.
public enum AvenueGroundTruth {
    /// The folder holding the `N_label.mat` files: PATH, PATH/testing_label_mask or PATH/ground_truth_demo/testing_label_mask.
    public static func locate(_ path: String) -> String? {
        for candidate in [path, path + "/testing_label_mask", path + "/ground_truth_demo/testing_label_mask"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: candidate)) ?? []
            if names.contains(where: { $0.hasSuffix("_label.mat") }) { return candidate }
        }
        return nil
    }

    /// One video: frame labels, and regions/tracks when `deriveRegions`.
    public static func loadVideo(path: String, deriveRegions: Bool) throws -> VideoGroundTruth {
        let variables = try MatFile.read(path: path)
        guard case .cell(_, let cells)? = variables["volLabel"] ?? variables.values.first(where: {
            if case .cell = $0 { return true } else { return false }
        }) else { throw EvaluationError(path, "no 'volLabel' cell array in the MAT-file") }
        var labels: [UInt8] = []
        labels.reserveCapacity(cells.count)
        var builder = MaskTrackBuilder()
        for (frame, cell) in cells.enumerated() {
            guard case .numeric(let array) = cell else { throw EvaluationError(path, "cell \(frame + 1) of volLabel is not a numeric mask") }
            if deriveRegions {
                guard let mask = array.rowMajorMask() else { throw EvaluationError(path, "cell \(frame + 1) of volLabel is not a 2-D mask") }
                labels.append(mask.isEmpty ? 0 : 1)
                builder.add(frame: frame, mask: mask)
            } else {
                labels.append(array.hasNonZero ? 1 : 0)
            }
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return VideoGroundTruth(name: name, source: path, labels: labels, tracks: deriveRegions ? builder.tracks() : nil)
    }

    public static func load(path: String, deriveRegions: Bool) throws -> GroundTruthSet {
        guard let folder = locate(path) else { throw EvaluationError(path, "no N_label.mat files found (looked in PATH, PATH/testing_label_mask, PATH/ground_truth_demo/testing_label_mask)") }
        let names = naturalSorted(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix("_label.mat") })
        let videos = try names.map { try loadVideo(path: folder + "/" + $0, deriveRegions: deriveRegions) }
        return GroundTruthSet(dataset: .avenue, videos: videos, regionSource: deriveRegions ? .pixelMasks : .unavailable)
    }
}
