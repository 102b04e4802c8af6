import Foundation

/// The result of evaluating a folder of score files against a test set's ground truth.
public struct EvaluationReport: Codable, Sendable {
    public struct Video: Codable, Sendable {
        /// The video's score-file name (`01`, `01_0014`), also for Ped2's `Test001` and Avenue's `1_label`.
        public var name: String
        /// The ground-truth file or folder its labels came from.
        public var groundTruth: String
        public var frames: Int
        public var anomalousFrames: Int
        /// Frame AUC (with the macro padding when on); nil when undefined.
        public var auc: Double?
        /// Micro AUC of all the other videos: how much this one pulls the micro AUC down (or up). A video whose
        /// anomalies score below the normal frames of other videos costs micro AUC even when its own AUC is high.
        public var microAUCWithout: Double?
        public var regionPredictions: Int?
    }
    public var dataset: String
    public var scores: String
    public var groundTruth: String
    public var macroPadding: String
    public var frames: Int
    public var anomalousFrames: Int
    public var microAUC: Double?
    public var macroAUC: Double?
    public var rbdc: Double?
    public var tbdc: Double?
    public var regionSource: String
    public var groundTruthRegions: Int?
    public var groundTruthTracks: Int?
    public var regionPredictions: Int?
    public var notes: [String]
    public var videos: [Video]
    /// Micro and macro AUC of every other column of the score files (ssmtl writes one per head: aot, mi, mb, kd),
    /// so weak heads are visible.
    public struct ColumnAUC: Codable, Sendable {
        public var column: String
        public var microAUC: Double?
        public var macroAUC: Double?
    }
    public var columnAUCs: [ColumnAUC] = []
    /// Ground-truth videos without a score file, left out of every metric (`--scored-only`), by score-file name.
    public var leftOutVideos: [String] = []
}

/// Everything needed for the table, the JSON and the plots.
public struct EvaluationOutcome: Sendable {
    public var report: EvaluationReport
    public var labels: [[UInt8]]
    public var scores: [[Double]]
    public var frameAUC: FrameAUCResult
    public var regionTrack: RegionTrackResult?
}

public enum Evaluator {
    /// True when the folder holds at least one `<video>.regions.txt`.
    public static func hasRegionFiles(_ scoresDirectory: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: scoresDirectory)) ?? []).contains { $0.hasSuffix(".regions.txt") }
    }

    /// Evaluates the score files of `scoresDirectory` against the ground truth. A ground-truth video without a score
    /// file is an error unless `scoredOnly`: the evaluation then covers the scored videos only, exactly as if the
    /// ground truth held nothing else, and the report names the others (`leftOutVideos` and a note).
    public static func evaluate(scoresDirectory: String, groundTruth fullSet: GroundTruthSet, groundTruthPath: String,
                                padding: MacroPadding, scoredOnly: Bool = false) throws -> EvaluationOutcome {
        let csvByKey = try scoreFileStems(in: scoresDirectory, groundTruth: fullSet)
        let (set, leftOut) = try scoredPart(of: fullSet, csvByKey: csvByKey, scoresDirectory: scoresDirectory, scoredOnly: scoredOnly)
        let useRegions = hasRegionFiles(scoresDirectory) && set.regionSource != .unavailable
        var notes = set.notes
        if !leftOut.isEmpty { notes.insert(leftOutNote(leftOut, evaluated: set.videos.count), at: 0) }
        if hasRegionFiles(scoresDirectory) && set.regionSource == .unavailable {
            notes.append("region files found, but the ground truth has no regions or tracks: RBDC/TBDC not computed")
        }
        var labels: [[UInt8]] = [], scores: [[Double]] = []
        var regionVideos: [RegionTrackVideo] = []
        var videos: [EvaluationReport.Video] = []
        var missingRegionFiles = 0
        var csvPaths: [String] = []
        for gt in set.videos {
            let stem = csvByKey[set.matchKey(gt.name)]!  // scoredPart keeps only the videos with a score file
            let csv = scoresDirectory + "/" + stem + ".csv"
            let s = try ScoreFileReader.readFrameScores(path: csv)
            csvPaths.append(csv)
            var l = gt.labels
            if gt.lengthKnown {
                guard s.count == l.count else {
                    throw EvaluationError(csv, "\(s.count) frame scores, the ground truth (\(gt.source)) has \(l.count) frames")
                }
            } else {
                guard s.count >= l.count else {
                    throw EvaluationError(csv, "\(s.count) frame scores, but the ground truth marks 0-based frame \(l.count - 1) anomalous")
                }
                l += [UInt8](repeating: 0, count: s.count - l.count)
            }
            labels.append(l)
            scores.append(s)
            var predictions: Int?
            if useRegions {
                let file = scoresDirectory + "/" + stem + ".regions.txt"
                var regions: [PredictedRegion] = []
                if FileManager.default.fileExists(atPath: file) { regions = try ScoreFileReader.readRegions(path: file) } else { missingRegionFiles += 1 }
                if let bad = regions.first(where: { $0.frame < 0 || $0.frame >= s.count }) {
                    throw EvaluationError(file, "region of frame \(bad.frame) outside the video's \(s.count) frames")
                }
                predictions = regions.count
                regionVideos.append(RegionTrackVideo(tracks: gt.tracks ?? [], predictions: regions))
            }
            videos.append(.init(name: set.scoreFileName(gt.name), groundTruth: gt.source, frames: l.count,
                                anomalousFrames: l.reduce(0) { $0 + Int($1) }, auc: nil, regionPredictions: predictions))
        }
        if missingRegionFiles > 0 { notes.append("\(missingRegionFiles) videos have no .regions.txt file: no region predictions for them") }
        let auc = frameAUCs(labels: labels, scores: scores, padding: padding)
        for i in videos.indices { videos[i].auc = auc.perVideo[i] }
        if videos.count > 1 {
            for i in videos.indices {
                let others = videos.indices.filter { $0 != i }
                videos[i].microAUCWithout = rocAUC(labels: others.flatMap { labels[$0] }, scores: others.flatMap { scores[$0] })
            }
        }
        let totalFrames = labels.reduce(0) { $0 + $1.count }
        var regionTrack: RegionTrackResult?
        if useRegions { regionTrack = regionTrackCriteria(videos: regionVideos, totalFrames: totalFrames) }
        if auc.micro == nil { notes.append("all frames have the same label: micro AUC undefined") }
        if padding == .off && auc.perVideo.contains(where: { $0 == nil }) {
            notes.append("videos with a single class have no AUC and are left out of the macro AUC")
        }
        // Other columns present in every file, scored alone with the same labels.
        var columnAUCs: [EvaluationReport.ColumnAUC] = []
        let firstColumns = try ScoreFileReader.columns(path: csvPaths[0])
        var shared = Set(firstColumns)
        for path in csvPaths.dropFirst() { shared.formIntersection(try ScoreFileReader.columns(path: path)) }
        for column in firstColumns where column != "frame" && column != "score" && shared.contains(column) {
            let values = try csvPaths.map { try ScoreFileReader.readFrameScores(path: $0, column: column) }
            // A column with one value throughout ranks nothing (the app column of a model without an appearance bank).
            if let first = values.first(where: { !$0.isEmpty })?.first, values.allSatisfy({ $0.allSatisfy { $0 == first } }) { continue }
            let a = frameAUCs(labels: labels, scores: values, padding: padding)
            columnAUCs.append(.init(column: column, microAUC: a.micro, macroAUC: a.macro))
        }
        var report = EvaluationReport(
            dataset: set.dataset.rawValue, scores: scoresDirectory, groundTruth: groundTruthPath, macroPadding: padding.rawValue,
            frames: totalFrames, anomalousFrames: videos.reduce(0) { $0 + $1.anomalousFrames },
            microAUC: auc.micro, macroAUC: auc.macro, rbdc: regionTrack?.rbdc, tbdc: regionTrack?.tbdc,
            regionSource: useRegions ? set.regionSource.rawValue : RegionSource.unavailable.rawValue,
            groundTruthRegions: regionTrack?.groundTruthRegions, groundTruthTracks: regionTrack?.groundTruthTracks,
            regionPredictions: regionTrack?.predictions, notes: notes, videos: videos)
        report.columnAUCs = columnAUCs
        report.leftOutVideos = leftOut
        return EvaluationOutcome(report: report, labels: labels, scores: scores, frameAUC: auc, regionTrack: regionTrack)
    }

    /// Score-file stems by match key (the per-object tables of `score --object-heads` and the events tables are not
    /// frame scores). No score file at all, two files for one video, or a file without ground truth are errors.
    static func scoreFileStems(in scoresDirectory: String, groundTruth set: GroundTruthSet) throws -> [String: String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: scoresDirectory) else {
            throw EvaluationError(scoresDirectory, "cannot list the scores folder")
        }
        var csvByKey: [String: String] = [:]
        for name in names where ScoreFileReader.isFrameScoreFile(name) {
            let stem = String(name.dropLast(4))
            let key = set.matchKey(stem)
            if let other = csvByKey[key] {
                throw EvaluationError(scoresDirectory + "/" + name, "same video as \(other).csv")
            }
            csvByKey[key] = stem
        }
        guard !csvByKey.isEmpty else { throw EvaluationError(scoresDirectory, "no <video>.csv score files") }
        let gtKeys = Set(set.videos.map { set.matchKey($0.name) })
        if let extra = csvByKey.keys.sorted().first(where: { !gtKeys.contains($0) }) {
            throw EvaluationError(scoresDirectory + "/" + csvByKey[extra]! + ".csv", "no ground truth for this video in the \(set.dataset.rawValue) ground truth")
        }
        return csvByKey
    }

    /// The ground truth of the videos that have a score file, and the score-file names of those that have none.
    /// Videos without one are an error unless `scoredOnly`: metrics of part of a test set are not the test set's.
    static func scoredPart(of set: GroundTruthSet, csvByKey: [String: String], scoresDirectory: String,
                           scoredOnly: Bool) throws -> (set: GroundTruthSet, leftOut: [String]) {
        let hasScores = { (video: VideoGroundTruth) in csvByKey[set.matchKey(video.name)] != nil }
        let leftOut = set.videos.filter { !hasScores($0) }.map { set.scoreFileName($0.name) }
        if !leftOut.isEmpty && !scoredOnly {
            throw EvaluationError(scoresDirectory, "no score file for \(leftOut.count) of the \(set.videos.count) ground-truth videos: "
                + "\(nameList(leftOut)); --scored-only evaluates only the videos that have one")
        }
        var scored = set
        scored.videos = set.videos.filter(hasScores)
        return (scored, leftOut)
    }

    static func leftOutNote(_ leftOut: [String], evaluated: Int) -> String {
        "evaluated the \(evaluated) of the \(evaluated + leftOut.count) ground-truth videos that have a score file; "
            + "left out \(leftOut.count) without one: \(nameList(leftOut))"
    }
}

/// Names for a one-line message: "01", "01 and 02", "01, 02 and 03", or the first `shown` and how many more
/// (a ShanghaiTech shard can leave out a hundred videos; the JSON report lists them all).
func nameList(_ names: [String], shown: Int = 5) -> String {
    if names.count > shown { return names.prefix(shown).joined(separator: ", ") + " and \(names.count - shown) more" }
    guard let last = names.last, names.count > 1 else { return names.first ?? "" }
    return names.dropLast().joined(separator: ", ") + " and " + last
}
