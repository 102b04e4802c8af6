import Foundation

/// The outputs of `ssmtl score` read back: `<video>.csv` (header `frame,score,...`, one row per frame)
/// and `<video>.regions.txt` (`frame_id,x_min,y_min,x_max,y_max,anomaly_score`, no header).
public enum ScoreFileReader {
    /// Whether a file of a scores folder is a frame-score file `<video>.csv`: not the per-object tables
    /// (`<video>.objects.csv`), not the events (`<video>.events.csv`), not a hidden temporary.
    public static func isFrameScoreFile(_ name: String) -> Bool {
        name.hasSuffix(".csv") && !name.hasSuffix(".objects.csv") && !name.hasSuffix(EventFileFormat.suffix) && !name.hasPrefix(".")
    }

    /// Names of the columns of a score file's header (lower case).
    public static func columns(path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw EvaluationError(path, "cannot read the file") }
        guard let header = String(decoding: data.prefix(4096), as: UTF8.self).split(whereSeparator: \.isNewline).first else { return [] }
        return header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// Frame scores in frame order. Requires columns `frame` and `column` (default `score`), frames 0..n-1 each
    /// exactly once, no NaN or infinite score.
    public static func readFrameScores(path: String, column: String = "score") throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: path) else { throw EvaluationError(path, "cannot read the file") }
        return try parseFrameScores(data, path: path, column: column)
    }

    /// `readFrameScores` on the bytes of a file (`path` names it in errors).
    static func parseFrameScores(_ data: Data, path: String, column: String = "score") throws -> [Double] {
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let header = lines.first else { throw EvaluationError(path, "empty score file (expected a header frame,score,...)") }
        let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let frameColumn = columns.firstIndex(of: "frame"), let scoreColumn = columns.firstIndex(of: column.lowercased()) else {
            throw EvaluationError(path, "the header must name the columns 'frame' and '\(column)'")
        }
        var scores = [Double](repeating: .nan, count: lines.count - 1)
        var seen = [Bool](repeating: false, count: lines.count - 1)
        for (n, line) in lines.enumerated().dropFirst() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > max(frameColumn, scoreColumn) else { throw EvaluationError(path, "line \(n + 1): too few columns") }
            guard let frame = Int(fields[frameColumn].trimmingCharacters(in: .whitespaces)) else {
                throw EvaluationError(path, "line \(n + 1): frame '\(fields[frameColumn])' is not an integer")
            }
            guard let score = Double(fields[scoreColumn].trimmingCharacters(in: .whitespaces)) else {
                throw EvaluationError(path, "line \(n + 1): score '\(fields[scoreColumn])' is not a number")
            }
            guard score.isFinite else { throw EvaluationError(path, "line \(n + 1): score of frame \(frame) is \(score)") }
            guard frame >= 0, frame < scores.count else {
                throw EvaluationError(path, "line \(n + 1): frame \(frame) outside 0...\(scores.count - 1) (one row per frame, 0-based)")
            }
            guard !seen[frame] else { throw EvaluationError(path, "line \(n + 1): frame \(frame) appears twice") }
            seen[frame] = true
            scores[frame] = score
        }
        if let missing = seen.firstIndex(of: false) { throw EvaluationError(path, "no score for frame \(missing)") }
        return scores
    }

    /// Predicted regions; an optional non-numeric header line is skipped.
    public static func readRegions(path: String) throws -> [PredictedRegion] {
        guard let data = FileManager.default.contents(atPath: path) else { throw EvaluationError(path, "cannot read the file") }
        return try parseRegions(data, path: path)
    }

    /// `readRegions` on the bytes of a file (`path` names it in errors).
    static func parseRegions(_ data: Data, path: String) throws -> [PredictedRegion] {
        var regions: [PredictedRegion] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = splitFields(line)
            if fields.isEmpty { continue }
            let values = fields.map { Double($0) }
            if n == 0 && values.first! == nil { continue }
            guard values.count == 6, values.allSatisfy({ $0 != nil }) else {
                throw EvaluationError(path, "line \(n + 1): expected 6 numbers frame_id,x_min,y_min,x_max,y_max,anomaly_score")
            }
            let v = values.map { $0! }
            guard v.allSatisfy(\.isFinite) else { throw EvaluationError(path, "line \(n + 1): NaN or infinite value") }
            guard v.allSatisfy({ abs($0) < 1e12 }) else { throw EvaluationError(path, "line \(n + 1): value out of range") }
            regions.append(PredictedRegion(frame: Int(v[0]), box: try Box.read(x1: v[1], y1: v[2], x2: v[3], y2: v[4], path: path, line: n + 1),
                                           score: v[5]))
        }
        return regions
    }
}
