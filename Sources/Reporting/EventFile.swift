import Evaluation
import Foundation

/// A failure of the report: one line naming the file and the problem.
public struct ReportError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let message: String
    public init(_ path: String, _ message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}

/// An inclusive pixel box of the original video frame.
public struct EventBox: Sendable, Equatable {
    public var xMin: Int, yMin: Int, xMax: Int, yMax: Int
    public init(xMin: Int, yMin: Int, xMax: Int, yMax: Int) { self.xMin = xMin; self.yMin = yMin; self.xMax = xMax; self.yMax = yMax }
}

/// One row of `<video>.events.csv`: a stretch of frames whose scores rose above the threshold.
public struct ScoredEvent: Sendable, Equatable {
    /// 1 = the highest peak score of the video.
    public var rank: Int
    /// 0-based, inclusive.
    public var startFrame: Int, endFrame: Int
    /// Seconds from the video's timestamps.
    public var startTime: Double, endTime: Double
    public var peakFrame: Int
    public var peakTime: Double
    public var peakScore: Double, meanScore: Double
    /// The highest-scoring object of the peak frame; nil when that frame has no object.
    public var box: EventBox?

    public init(rank: Int, startFrame: Int, endFrame: Int, startTime: Double, endTime: Double, peakFrame: Int, peakTime: Double,
                peakScore: Double, meanScore: Double, box: EventBox?) {
        self.rank = rank; self.startFrame = startFrame; self.endFrame = endFrame; self.startTime = startTime; self.endTime = endTime
        self.peakFrame = peakFrame; self.peakTime = peakTime; self.peakScore = peakScore; self.meanScore = meanScore; self.box = box
    }
}

/// Reads `<video>.events.csv` as `ssmtl score` writes it, refusing anything else with the line and the field at fault:
/// a report built from a misread file would send an operator to the wrong moment.
public enum EventFile {
    static let header = EventFileFormat.header

    /// The events in file order (rank 1, 2, ...). `frames`: the video's frame count from its score file, which
    /// every event must lie within.
    public static func read(path: String, frames: Int) throws -> [ScoredEvent] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReportError(path, "cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw ReportError(path, "not UTF-8 text") }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = lines.first, first == header else {
            throw ReportError(path, "line 1: expected the header \(header)")
        }
        var events: [ScoredEvent] = []
        for (n, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let event = try parse(line, lineNumber: n + 1, path: path)
            guard event.rank == events.count + 1 else {
                throw ReportError(path, "line \(n + 1): rank \(event.rank), expected \(events.count + 1) (rows sorted by rank from 1)")
            }
            guard event.endFrame < frames else {
                throw ReportError(path, "line \(n + 1): event ends at frame \(event.endFrame), but the score file has \(frames) frames (0-based)")
            }
            if let previous = events.last, event.peakScore > previous.peakScore {
                throw ReportError(path, "line \(n + 1): peak score \(event.peakScore) above rank \(previous.rank)'s \(previous.peakScore) (ranks go by peak score)")
            }
            events.append(event)
        }
        return events
    }

    static func parse(_ line: String, lineNumber: Int, path: String) throws -> ScoredEvent {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let names = header.split(separator: ",").map(String.init)
        guard fields.count == names.count else {
            throw ReportError(path, "line \(lineNumber): \(fields.count) fields, expected \(names.count) (\(header))")
        }
        func integer(_ i: Int) throws -> Int {
            guard let v = Int(fields[i]), v >= 0 else {
                throw ReportError(path, "line \(lineNumber): \(names[i]) '\(fields[i])' is not a whole number ≥ 0")
            }
            return v
        }
        func number(_ i: Int) throws -> Double {
            guard let v = Double(fields[i]), v.isFinite else {
                throw ReportError(path, "line \(lineNumber): \(names[i]) '\(fields[i])' is not a finite number")
            }
            return v
        }
        let event = ScoredEvent(rank: try integer(0), startFrame: try integer(1), endFrame: try integer(2), startTime: try number(3),
                                endTime: try number(4), peakFrame: try integer(5), peakTime: try number(6), peakScore: try number(7),
                                meanScore: try number(8), box: try box(fields[9...12], names: names, lineNumber: lineNumber, path: path))
        guard event.rank >= 1 else { throw ReportError(path, "line \(lineNumber): rank 0 (ranks start at 1)") }
        guard event.startFrame <= event.peakFrame, event.peakFrame <= event.endFrame else {
            throw ReportError(path, "line \(lineNumber): peak frame \(event.peakFrame) outside the event's frames \(event.startFrame)...\(event.endFrame)")
        }
        guard event.startTime <= event.peakTime, event.peakTime <= event.endTime else {
            throw ReportError(path, "line \(lineNumber): peak time \(event.peakTime) outside the event's times \(event.startTime)...\(event.endTime)")
        }
        return event
    }

    /// The four box fields: all empty (the peak frame has no object) or four whole numbers ≥ 0 with min ≤ max.
    static func box(_ fields: ArraySlice<String>, names: [String], lineNumber: Int, path: String) throws -> EventBox? {
        if fields.allSatisfy(\.isEmpty) { return nil }
        var values: [Int] = []
        for (i, field) in zip(fields.indices, fields) {
            // Whole pixels, written as integers (a decimal with nothing after the point is accepted).
            guard let v = Double(field), v.isFinite, v >= 0, v < 1e6, v == v.rounded() else {
                throw ReportError(path, "line \(lineNumber): \(names[i]) '\(field)' is not a pixel coordinate (the four box fields are whole numbers ≥ 0, or all empty)")
            }
            values.append(Int(v))
        }
        guard values[0] <= values[2], values[1] <= values[3] else {
            throw ReportError(path, "line \(lineNumber): box \(values[0]),\(values[1]),\(values[2]),\(values[3]) has a minimum above its maximum")
        }
        return EventBox(xMin: values[0], yMin: values[1], xMax: values[2], yMax: values[3])
    }
}
