import Foundation

/// Track annotation files (`tracks/<video>.txt`): rows `track_id,frame_idx,x_min,y_min,x_max,y_max`,
/// 0-based frames, inclusive pixel boxes. Blank lines and a header line are skipped.
public enum TrackFile {
    public static func read(path: String) throws -> [GroundTruthTrack] {
        guard let data = FileManager.default.contents(atPath: path) else { throw EvaluationError(path, "cannot read the file") }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    public static func parse(_ text: String, path: String) throws -> [GroundTruthTrack] {
        var order: [Int] = []
        var byID: [Int: [GroundTruthRegion]] = [:]
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = splitFields(line)
            if fields.isEmpty { continue }
            let values = fields.map { Double($0) }
            if n == 0 && values.first! == nil { continue }  // header
            guard values.count == 6, values.allSatisfy({ $0 != nil && $0!.isFinite && abs($0!) < 1e12 }) else {
                throw EvaluationError(path, "line \(n + 1): expected 6 numbers track_id,frame_idx,x_min,y_min,x_max,y_max")
            }
            let v = values.map { $0! }
            let id = Int(v[0]), frame = Int(v[1])
            guard frame >= 0 else { throw EvaluationError(path, "line \(n + 1): negative frame index") }
            if byID[id] == nil { order.append(id) }
            byID[id, default: []].append(GroundTruthRegion(frame: frame, box: try Box.read(x1: v[2], y1: v[3], x2: v[4], y2: v[5], path: path, line: n + 1)))
        }
        return order.map { GroundTruthTrack(regions: byID[$0]!) }
    }
}

/// Splits a line on commas and/or whitespace.
func splitFields<S: StringProtocol>(_ line: S) -> [Substring] {
    Substring(line).split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\r" })
}
