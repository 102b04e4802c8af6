import Foundation
import VideoIO

/// The two output files of `ssmtl score`, written atomically.
public enum ScoreFiles {
    /// `<video>.csv`: `frame,score,aot,mi,mb,kd`, one row per frame of the video, 0-based frames.
    public static func writeFrameScores(_ rows: [FrameScorer.Row], to path: String) throws {
        var text = "frame,score," + HeadScores.names.joined(separator: ",") + "\n"
        text.reserveCapacity(rows.count * 64)
        for row in rows {
            text += "\(row.frame),\(format(row.score))," + row.heads.map(format).joined(separator: ",") + "\n"
        }
        try writeFileAtomically(Data(text.utf8), to: path)
    }

    /// `<video>.regions.txt`: `frame_id,x_min,y_min,x_max,y_max,anomaly_score`, one row per detected object
    /// (inclusive pixel boxes): the prediction file of RBDC/TBDC. No header line, so the file also loads with
    /// `np.loadtxt(delimiter=",")` as the SSMTL authors' evaluation script expects.
    public static func writeRegions(_ objects: [ScoredObject], to path: String) throws {
        var text = ""
        for o in objects {
            text += "\(o.frame),\(o.box.x1),\(o.box.y1),\(o.box.x2),\(o.box.y2),\(format(Double(o.score)))\n"
        }
        try writeFileAtomically(Data(text.utf8), to: path)
    }

    private static func format(_ value: Double) -> String { String(format: "%.6g", value) }
}
