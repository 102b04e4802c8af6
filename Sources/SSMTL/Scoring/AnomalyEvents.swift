import Evaluation
import Foundation

/// How frame scores become events: the frames scoring above `threshold`, in maximal runs, runs less than
/// `minimumGap` frames apart joined (a person who stops being anomalous for a few frames is one event, not three),
/// and events shorter than `minimumFrames` dropped (a one-frame spike is not worth a reviewer's minute).
public struct EventRules: Sendable, Equatable {
    public var threshold: Double
    /// Runs separated by fewer frames below the threshold than this are one event.
    public var minimumGap: Int
    /// Events shorter than this (in frames, gaps included) are dropped.
    public var minimumFrames: Int

    public static let defaultMinimumGap = 10
    public static let defaultMinimumFrames = 5

    public init(threshold: Double, minimumGap: Int = defaultMinimumGap, minimumFrames: Int = defaultMinimumFrames) {
        self.threshold = threshold; self.minimumGap = minimumGap; self.minimumFrames = minimumFrames
    }
}

/// One anomalous event of a video: a row of `<video>.events.csv`.
public struct AnomalyEvent: Sendable, Equatable {
    /// First and last frame, 0-based, inclusive.
    public var startFrame: Int, endFrame: Int
    /// The frame of the highest score (the first one on a tie).
    public var peakFrame: Int
    public var peakScore: Double, meanScore: Double
    /// Seconds from the start of the video of the first, last and peak frame (the decoder's timestamps).
    public var startTime: Double, endTime: Double, peakTime: Double
    /// The highest-scoring object of the peak frame; nil when that frame has no object (its score then comes from
    /// the temporal smoothing of its neighbours).
    public var peakBox: PixelBox?

    public var frameCount: Int { endFrame - startFrame + 1 }
}

public enum AnomalyEvents {
    /// The frame ranges (inclusive) the rules make events of, in time order.
    ///     scores: [frames]
    public static func ranges(_ scores: [Double], rules: EventRules) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        var start: Int?
        for (f, score) in scores.enumerated() {
            // NaN is never above: a frame that cannot be scored does not raise an alarm.
            if score > rules.threshold {
                if start == nil { start = f }
            } else if let s = start {
                runs.append(s...(f - 1)); start = nil
            }
        }
        if let s = start { runs.append(s...(scores.count - 1)) }
        var joined: [ClosedRange<Int>] = []
        for run in runs {
            // Gap = frames below the threshold between the two runs.
            if let last = joined.last, run.lowerBound - last.upperBound - 1 < rules.minimumGap {
                joined[joined.count - 1] = last.lowerBound...run.upperBound
            } else {
                joined.append(run)
            }
        }
        return joined.filter { $0.count >= rules.minimumFrames }
    }

    /// The events of one video, ranked by peak score (highest first; the earlier event on a tie).
    ///     scores, timestamps, peakBoxes: [frames]; peakBoxes[f] = the highest-scoring object of frame f, if any
    public static func find(scores: [Double], timestamps: [Double], peakBoxes: [PixelBox?], rules: EventRules) -> [AnomalyEvent] {
        precondition(scores.count == timestamps.count && scores.count == peakBoxes.count, "one timestamp and box slot per frame")
        let events = ranges(scores, rules: rules).map { range -> AnomalyEvent in
            var peak = range.lowerBound
            for f in range where scores[f] > scores[peak] { peak = f }
            let mean = range.reduce(0.0) { $0 + scores[$1] } / Double(range.count)
            return AnomalyEvent(startFrame: range.lowerBound, endFrame: range.upperBound, peakFrame: peak,
                                peakScore: scores[peak], meanScore: mean, startTime: timestamps[range.lowerBound],
                                endTime: timestamps[range.upperBound], peakTime: timestamps[peak], peakBox: peakBoxes[peak])
        }
        return events.sorted { $0.peakScore != $1.peakScore ? $0.peakScore > $1.peakScore : $0.startFrame < $1.startFrame }
    }

    /// `<video>.events.csv`: the header, then one row per event in the given (ranked) order; the box fields are empty
    /// when the peak frame has no object.
    public static func csv(_ events: [AnomalyEvent]) -> String {
        var text = EventFileFormat.header + "\n"
        for (k, e) in events.enumerated() {
            let box = e.peakBox.map { "\($0.x1),\($0.y1),\($0.x2),\($0.y2)" } ?? ",,,"
            text += "\(k + 1),\(e.startFrame),\(e.endFrame),\(time(e.startTime)),\(time(e.endTime)),\(e.peakFrame),"
                + "\(time(e.peakTime)),\(score(e.peakScore)),\(score(e.meanScore)),\(box)\n"
        }
        return text
    }

    private static func time(_ seconds: Double) -> String { String(format: "%.3f", seconds) }
    private static func score(_ value: Double) -> String { String(format: "%.6g", value) }
}
