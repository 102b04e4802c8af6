import AtomicFile
import Evaluation
import Foundation
import VideoIO

/// The two output files of `ssmtl score`, written atomically.
public enum ScoreFiles {
    /// `<video>.csv`: `frame,score,aot,mi,mb,kd,app,jig`, one row per frame of the video, 0-based frames.
    public static func writeFrameScores(_ rows: [FrameScorer.Row], to path: String) throws {
        var text = "frame,score," + HeadScores.names.joined(separator: ",") + "\n"
        text.reserveCapacity(rows.count * 64)
        for row in rows {
            text += "\(row.frame),\(format(row.score))," + row.heads.map(format).joined(separator: ",") + "\n"
        }
        try writeFileAtomically(Data(text.utf8), to: path)
    }

    /// `<video>.npy` (`score --npy`): the frame scores as a one-dimensional little-endian float32 NumPy array.
    public static func writeFrameScoresNpy(_ rows: [FrameScorer.Row], to path: String) throws {
        try writeFileAtomically(NpyFile.float32Vector(rows.map { Float($0.score) }), to: path)
    }

    /// `<video>.regions.txt`: `frame_id,x_min,y_min,x_max,y_max,anomaly_score`, one row per detected object
    /// (inclusive pixel boxes): the prediction file of RBDC/TBDC. No header line, so the file also loads with
    /// `np.loadtxt(delimiter=",")` as the SSMTL authors' evaluation script expects.
    public static func writeRegions(_ objects: [ScoredObject], to path: String) throws {
        let writer = try RegionsFileWriter(path: path)
        for o in objects { try writer.write(o) }
        try writer.commit()
    }

    static func regionLine(_ o: ScoredObject) -> String {
        "\(o.frame),\(o.box.x1),\(o.box.y1),\(o.box.x2),\(o.box.y2),\(format(Double(o.score)))\n"
    }

    /// Header of `<video>.objects.csv` (`score --object-heads`): the region line plus each standardised head.
    public static let objectHeader = "frame,x_min,y_min,x_max,y_max,score," + HeadScores.names.joined(separator: ",") + "\n"

    static func objectLine(_ o: ScoredObject) -> String {
        String(regionLine(o).dropLast()) + "," + o.heads.map { format(Double($0)) }.joined(separator: ",") + "\n"
    }

    private static func format(_ value: Double) -> String { String(format: "%.6g", value) }
}

/// `<video>.regions.txt` (or, with `withHeads`, `<video>.objects.csv`) written while the video is scored, so memory
/// does not grow with the number of objects. The file appears whole at `commit()`, or not at all.
public final class RegionsFileWriter {
    private let file: AtomicFileStream
    private var pending = ""
    private let withHeads: Bool

    public init(path: String, withHeads: Bool = false) throws {
        do { file = try AtomicFileStream(path: path) } catch { throw VideoIOError(path, "\(error)") }
        self.withHeads = withHeads
        if withHeads { pending = ScoreFiles.objectHeader }
    }

    public func write(_ object: ScoredObject) throws {
        pending += withHeads ? ScoreFiles.objectLine(object) : ScoreFiles.regionLine(object)
        if pending.utf8.count >= 1 << 16 { try flush() }
    }

    public func commit() throws {
        try flush()
        do { try file.commit() } catch { throw VideoIOError(file.path, "\(error)") }
    }

    private func flush() throws {
        do { try file.append(pending) } catch { throw VideoIOError(file.path, "\(error)") }
        pending.removeAll(keepingCapacity: true)
    }
}

extension EventSettings {
    public init(rules: EventRules, source: String, sigma: Double) {
        self.init(threshold: rules.threshold, thresholdSource: source, minimumGapFrames: rules.minimumGap,
                  minimumEventFrames: rules.minimumFrames, sigma: sigma)
    }

    public var rules: EventRules { EventRules(threshold: threshold, minimumGap: minimumGapFrames, minimumFrames: minimumEventFrames) }
}
