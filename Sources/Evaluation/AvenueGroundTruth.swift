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
        try video(from: MatFile.read(path: path), path: path, deriveRegions: deriveRegions)
    }

    /// One video from the variables of its parsed MAT-file.
    static func video(from variables: [String: MatValue], path: String, deriveRegions: Bool) throws -> VideoGroundTruth {
        guard case .cell(_, let cells)? = variables["volLabel"] ?? variables.values.first(where: {
            if case .cell = $0 { return true } else { return false }
        }) else { throw EvaluationError(path, "no 'volLabel' cell array in the MAT-file") }
        var labels: [UInt8] = []
        labels.reserveCapacity(cells.count)
        var builder = MaskTrackBuilder()
        for (frame, cell) in cells.enumerated() {
            guard case .numeric(let array) = cell else { throw EvaluationError(path, "cell \(frame + 1) of volLabel is not a numeric mask") }
            let anomalous = array.hasNonZero
            labels.append(anomalous ? 1 : 0)
            if deriveRegions {
                guard array.dimensions.count == 2 else { throw EvaluationError(path, "cell \(frame + 1) of volLabel is not a 2-D mask") }
                if !anomalous {
                    builder.add(frame: frame, mask: BinaryMask(width: 0, height: 0, pixels: []))
                } else if array.type == .uint8 || array.type == .int8 {
                    // Components and overlaps do not change under transposition: use the column-major bytes
                    // as the transposed picture and swap the box axes.
                    builder.add(frame: frame, mask: BinaryMask(width: array.dimensions[0], height: array.dimensions[1],
                                                               pixels: Array(array.bytes)), transposed: true)
                } else {
                    builder.add(frame: frame, mask: array.rowMajorMask()!)
                }
            }
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return VideoGroundTruth(name: name, source: path, labels: labels, tracks: deriveRegions ? builder.tracks() : nil)
    }

    public static func load(path: String, deriveRegions: Bool) throws -> GroundTruthSet {
        guard let folder = locate(path) else { throw EvaluationError(path, "no N_label.mat files found (looked in PATH, PATH/testing_label_mask, PATH/ground_truth_demo/testing_label_mask)") }
        let names = naturalSorted(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix("_label.mat") })
        // Two files at a time: the inflation of the masks dominates.
        let results = ConcurrentResults<VideoGroundTruth>(count: names.count)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for i in stride(from: worker, to: names.count, by: 2) {
                results.set(i, Result { try loadVideo(path: folder + "/" + names[i], deriveRegions: deriveRegions) })
            }
        }
        let videos = try results.values()
        return GroundTruthSet(dataset: .avenue, videos: videos, regionSource: deriveRegions ? .pixelMasks : .unavailable)
    }
}

/// Results filled in by concurrent workers, read back in order (the first error wins).
final class ConcurrentResults<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    func values() throws -> [T] { try slots.map { try $0!.get() } }
}
