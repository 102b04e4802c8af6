import Foundation
import VideoIO

/// A small scores folder as `ssmtl score` writes it (frame scores, events, events.json), the videos it scored
/// (made with the project's writer) and generic-layout ground truth: what the report tests run on.
///
/// - `01`: 480x240, 60 frames, a bright square moving right; two events: rank 1 peaks at frame 40 with the box
///   `boxOf01`, rank 2 at frame 15 with no object; a region file and a ground-truth track (frames 34-46).
/// - `03`: 30 frames, scores only (no events file: written without a threshold); no video needed.
/// - `a&b <2>`: 200x100, 40 frames, an events file with no event.
public enum ScoredFolder {
    public static let boxOf01 = (xMin: 100, yMin: 50, xMax: 180, yMax: 120)
    public static let names = ["01", "03", "a&b <2>"]
    public static let eventsHeader = "rank,start_frame,end_frame,start_time,end_time,peak_frame,peak_time,peak_score,mean_score,x_min,y_min,x_max,y_max"

    public struct Paths {
        public var root: String
        public var scores: String { root + "/scores" }
        public var videos: String { root + "/videos" }
        public var groundTruth: String { root + "/gt" }
    }

    public static func make(in root: String) throws -> Paths {
        let paths = Paths(root: root)
        for folder in [paths.scores, paths.videos, paths.groundTruth] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try writeVideo(paths.videos + "/01.mp4", width: 480, height: 240, frames: 60)
        try writeVideo(paths.videos + "/a&b <2>.mp4", width: 200, height: 100, frames: 40)

        // 01: high around frames 10-20 and 35-45.
        let scores01 = (0..<60).map { f -> Double in
            let bump1: Double = 3 + Double(5 - abs(f - 15)) * 0.1
            let bump2: Double = 4 + Double(5 - abs(f - 40)) * 0.2
            let quiet: Double = 0.5 + Double(f % 3) * 0.1
            return (10...20).contains(f) ? bump1 : (35...45).contains(f) ? bump2 : quiet
        }
        try write(scoreCSV(scores01), to: paths.scores + "/01.csv")
        let b = boxOf01
        try write(eventsHeader + "\n"
                  + "1,35,45,1.400,1.800,40,1.600,\(scores01[40]),4.6,\(b.xMin),\(b.yMin),\(b.xMax),\(b.yMax)\n"
                  + "2,10,20,0.400,0.800,15,0.600,\(scores01[15]),3.3,,,,\n", to: paths.scores + "/01.events.csv")
        try write(scoreCSV((0..<30).map { Double($0 % 5) * 0.3 }), to: paths.scores + "/03.csv")
        try write(scoreCSV((0..<40).map { 1 + Double($0 % 4) * 0.2 }), to: paths.scores + "/a&b <2>.csv")
        try write(eventsHeader + "\n", to: paths.scores + "/a&b <2>.events.csv")
        try write("{\"sigma\": 5, \"min_event_frames\": 5, \"threshold_source\": \"train: 0.5 % of the 362 normal validation frames score above it\", "
                  + "\"threshold\": 2.75, \"min_gap_frames\": 10, \"added_later\": [1, 2]}\n", to: paths.scores + "/events.json")

        try write((0..<60).map { (34...46).contains($0) ? "1" : "0" }.joined(separator: "\n") + "\n", to: paths.groundTruth + "/01.txt")
        // 01's anomaly as a track, and the scorer's region at its peak: RBDC and TBDC are computed.
        try FileManager.default.createDirectory(atPath: paths.groundTruth + "/tracks", withIntermediateDirectories: true)
        try write((34...46).map { "0,\($0),\(b.xMin),\(b.yMin),\(b.xMax),\(b.yMax)\n" }.joined(), to: paths.groundTruth + "/tracks/01.txt")
        try write("40,\(b.xMin),\(b.yMin),\(b.xMax),\(b.yMax),5\n", to: paths.scores + "/01.regions.txt")
        try write((0..<30).map { $0 == 4 ? "1" : "0" }.joined(separator: "\n") + "\n", to: paths.groundTruth + "/03.txt")
        try write((0..<40).map { _ in "0" }.joined(separator: "\n") + "\n", to: paths.groundTruth + "/a&b <2>.txt")
        return paths
    }

    public static func scoreCSV(_ scores: [Double]) -> String {
        "frame,score,aot,mi,mb,kd,app\n" + scores.enumerated().map { "\($0.offset),\($0.element),0,0,0,0,0\n" }.joined()
    }

    public static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A grey gradient with a bright square moving right, 2 pixels a frame.
    public static func writeVideo(_ path: String, width: Int, height: Int, frames: Int) throws {
        let writer = try VideoWriter(path: path, width: width, height: height, fps: 25)
        for t in 0..<frames {
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    let inSquare = (10 + 2 * t..<30 + 2 * t).contains(x) && (height / 4..<height / 4 + 20).contains(y)
                    pixels[i] = inSquare ? 240 : UInt8(60 + 80 * x / width)
                    pixels[i + 1] = inSquare ? 240 : UInt8(60 + 80 * y / height)
                    pixels[i + 2] = inSquare ? 200 : 90
                }
            }
            try writer.append(Frame(index: t, width: width, height: height, layout: .rgb24, pixels: pixels))
        }
        try writer.finish()
    }
}
