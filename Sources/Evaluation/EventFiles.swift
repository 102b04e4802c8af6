import Foundation
import VideoIO

/// The format of the event files `ssmtl score` writes, defined once for their writer (SSMTL's scoring) and their
/// reader (Reporting).
public enum EventFileFormat {
    /// Header of `<video>.events.csv`; one row per event follows, ranked by peak score.
    public static let header = "rank,start_frame,end_frame,start_time,end_time,peak_frame,peak_time,peak_score,mean_score,x_min,y_min,x_max,y_max"
    /// The suffix that replaces `.csv` in a video's events file.
    public static let suffix = ".events.csv"
}

/// `DIR/events.json`: the threshold and rules that made a scores folder's `<video>.events.csv` files, for `ssmtl report`
/// and for a reader who wants to know what an event means. Unknown keys are ignored (a later version may add some).
public struct EventSettings: Codable, Equatable, Sendable {
    public static let fileName = "events.json"

    public var threshold: Double
    /// How the threshold was set, in words (e.g. "0.5 % of 1650 held-out normal frames exceed it").
    public var thresholdSource: String
    /// Runs above the threshold fewer frames apart than this are one event.
    public var minimumGapFrames: Int
    /// Events shorter than this are dropped.
    public var minimumEventFrames: Int
    /// The temporal smoothing of the frame scores, in frames.
    public var sigma: Double

    enum CodingKeys: String, CodingKey {
        case threshold, thresholdSource = "threshold_source", minimumGapFrames = "min_gap_frames"
        case minimumEventFrames = "min_event_frames", sigma
    }

    public init(threshold: Double, thresholdSource: String, minimumGapFrames: Int, minimumEventFrames: Int, sigma: Double) {
        self.threshold = threshold; self.thresholdSource = thresholdSource
        self.minimumGapFrames = minimumGapFrames; self.minimumEventFrames = minimumEventFrames; self.sigma = sigma
    }

    /// The settings in `path`, refused with one line naming the key at fault: a missing key, a value of the wrong
    /// type, a threshold or σ that is not finite, a negative gap or length.
    public static func read(path: String) throws -> EventSettings {
        guard let data = FileManager.default.contents(atPath: path) else { throw EvaluationError(path, "cannot read the file") }
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else { throw EvaluationError(path, "not a JSON object") }
        let settings: EventSettings
        do { settings = try JSONDecoder().decode(EventSettings.self, from: data) } catch let DecodingError.typeMismatch(_, context) {
            throw EvaluationError(path, "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type")
        } catch let DecodingError.keyNotFound(key, _) {
            throw EvaluationError(path, "\(key.stringValue) is missing")
        } catch let DecodingError.valueNotFound(_, context) {
            throw EvaluationError(path, "\(context.codingPath.map(\.stringValue).joined(separator: ".")) is null")
        } catch let DecodingError.dataCorrupted(context) {
            throw EvaluationError(path, "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch {
            throw EvaluationError(path, "cannot read the settings: \(error)")
        }
        for (key, value) in [("threshold", settings.threshold), ("sigma", settings.sigma)] where !value.isFinite {
            throw EvaluationError(path, "\(key) is \(value)")
        }
        for (key, value) in [("min_gap_frames", settings.minimumGapFrames), ("min_event_frames", settings.minimumEventFrames)] where value < 0 {
            throw EvaluationError(path, "\(key) is negative")
        }
        return settings
    }

    /// Writes the settings whole or not at all.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeFileAtomically(try encoder.encode(self) + Data("\n".utf8), to: path)
    }
}
