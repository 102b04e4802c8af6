import Foundation
import VideoIO

/// UCSD Ped2: `UCSDped2.m` (`TestVideoFile{end+1}.gt_frame = [a:b];`, 1-based inclusive ranges, one line per
/// test video in order, possibly several ranges) and the pixel masks `TestNNN_gt/*.bmp|png` (file k = frame k-1).
public enum Ped2GroundTruth {
    /// Frame numbers above this are typing mistakes (ten million frames is over four days at 25 fps).
    static let maximumFrameNumber = 10_000_000

    /// The anomalous frame ranges of each video, 1-based inclusive, in file order.
    public static func parseFrameRanges(_ text: String, path: String) throws -> [[ClosedRange<Int>]] {
        var videos: [[ClosedRange<Int>]] = []
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let code = line.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard code.contains("gt_frame") else { continue }
            guard let open = code.firstIndex(of: "["), let close = code.lastIndex(of: "]"), open < close else {
                throw EvaluationError(path, "line \(n + 1): expected gt_frame = [a:b]")
            }
            var ranges: [ClosedRange<Int>] = []
            for token in code[code.index(after: open)..<close].split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" }) {
                let parts = token.split(separator: ":")
                let numbers = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil && $0! >= 1 }) else {
                    throw EvaluationError(path, "line \(n + 1): cannot read '\(token)' as a frame range")
                }
                let a = numbers.first!!, b = numbers.last!!
                guard parts.count <= 2, a <= b else { throw EvaluationError(path, "line \(n + 1): bad range '\(token)'") }
                guard b <= maximumFrameNumber else {
                    throw EvaluationError(path, "line \(n + 1): frame \(b) in '\(token)' is beyond any video (at most \(maximumFrameNumber))")
                }
                ranges.append(a...b)
            }
            videos.append(ranges)
        }
        guard !videos.isEmpty else { throw EvaluationError(path, "no gt_frame lines found") }
        // Each video's labels are as long as its last anomalous frame when it has no masks: bound the total too.
        let frames = videos.reduce(0) { $0 + ($1.map(\.upperBound).max() ?? 0) }
        guard frames <= maximumFrameNumber else {
            throw EvaluationError(path, "the ranges reach \(frames) frames over all videos, more than any dataset (at most \(maximumFrameNumber))")
        }
        return videos
    }

    /// 0/1 labels for `frameCount` frames (or up to the last anomalous frame when nil). Linear in the frames plus
    /// the ranges however much they overlap: each range adds +1 at its start and -1 after its end.
    public static func labels(ranges: [ClosedRange<Int>], frameCount: Int?) -> [UInt8] {
        let count = frameCount ?? (ranges.map(\.upperBound).max() ?? 0)
        var changes = [Int32](repeating: 0, count: count + 1)
        for r in ranges where r.lowerBound <= count {
            changes[r.lowerBound - 1] += 1
            changes[min(r.upperBound, count)] -= 1
        }
        var open: Int32 = 0
        return (0..<count).map { f in
            open += changes[f]
            return open > 0 ? 1 : 0
        }
    }

    /// Finds `UCSDped2.m` at PATH, PATH/UCSDped2.m or PATH/gt/UCSDped2.m.
    public static func locate(_ path: String) -> String? {
        let fm = FileManager.default
        for candidate in [path, path + "/UCSDped2.m", path + "/gt/UCSDped2.m"] {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue, candidate.hasSuffix(".m") { return candidate }
        }
        return nil
    }

    /// Mask files of one video folder, in natural order.
    public static func maskFiles(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return naturalSorted(names.filter { ["bmp", "png"].contains(($0 as NSString).pathExtension.lowercased()) })
            .map { folder + "/" + $0 }
    }

    public static func readMask(_ path: String) throws -> BinaryMask {
        let frame = try ImageFile.read(path: path, layout: .gray8)
        return BinaryMask(width: frame.width, height: frame.height, pixels: frame.pixels)  // non-zero = anomalous
    }

    /// Loads the set. Masks are read only when `deriveRegions` (regions and tracks for RBDC/TBDC)
    /// or `checkMasks` (mask labels returned beside the .m labels) is set.
    public static func load(path: String, deriveRegions: Bool, checkMasks: Bool = false) throws
        -> (set: GroundTruthSet, maskLabels: [[UInt8]]?) {
        guard let mFile = locate(path) else { throw EvaluationError(path, "no UCSDped2.m found (looked in PATH, PATH/UCSDped2.m, PATH/gt/UCSDped2.m)") }
        guard let data = FileManager.default.contents(atPath: mFile) else { throw EvaluationError(mFile, "cannot read the file") }
        let allRanges = try parseFrameRanges(String(decoding: data, as: UTF8.self), path: mFile)
        let folder = (mFile as NSString).deletingLastPathComponent
        var videos: [VideoGroundTruth] = []
        var maskLabels: [[UInt8]] = []
        var anyMasks = false, missingMasks = false
        for (i, ranges) in allRanges.enumerated() {
            let name = String(format: "Test%03d", i + 1)
            let files = maskFiles(in: folder + "/" + name + "_gt")
            // The frame count comes from the mask folder when there is one: name it, so a count mismatch points there
            // (and the report shows the path the labels came from).
            let source = files.isEmpty ? mFile : "\(folder)/\(name)_gt"
            var video = VideoGroundTruth(name: name, source: source,
                                         labels: labels(ranges: ranges, frameCount: files.isEmpty ? nil : files.count),
                                         lengthKnown: !files.isEmpty)
            if files.isEmpty { missingMasks = true } else { anyMasks = true }
            if (deriveRegions || checkMasks) && !files.isEmpty {
                var builder = MaskTrackBuilder()
                var fromMasks: [UInt8] = []
                for (frame, file) in files.enumerated() {
                    let mask = try readMask(file)
                    fromMasks.append(mask.isEmpty ? 0 : 1)
                    if deriveRegions { builder.add(frame: frame, mask: mask) }
                }
                if deriveRegions { video.tracks = builder.tracks() }
                maskLabels.append(fromMasks)
            }
            videos.append(video)
        }
        var notes: [String] = []
        if missingMasks { notes.append("some TestNNN_gt mask folders are missing: their frame counts come from the score files") }
        let source: RegionSource = deriveRegions && anyMasks && !missingMasks ? .pixelMasks : .unavailable
        return (GroundTruthSet(dataset: .ped2, videos: videos, regionSource: source, notes: notes),
                checkMasks ? maskLabels : nil)
    }
}

/// Natural order: digit runs compare as numbers ("2.png" < "10.png").
func naturalSorted(_ names: [String]) -> [String] {
    names.sorted { $0.compare($1, options: [.numeric]) == .orderedAscending }
}
