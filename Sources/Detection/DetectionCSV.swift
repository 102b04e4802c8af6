/// The detections file of one video: `frame,x1,y1,x2,y2,confidence,class`, 0-based frames, inclusive pixel boxes.
public enum DetectionCSV {
    public static let header = "frame,x1,y1,x2,y2,confidence,class"

    public static func row(frame: Int, _ box: DetectionBox) -> String {
        "\(frame),\(box.x1),\(box.y1),\(box.x2),\(box.y2),\(formatted(box.confidence)),\(box.classID)"
    }

    static func formatted(_ value: Float) -> String {
        let scaled = (Double(value) * 10000).rounded() / 10000
        return String(scaled)
    }

    /// Parses a detections file back (frame, box); throws on a malformed line with its number.
    public static func parse(_ text: String, file: String = "<csv>") throws -> [(frame: Int, box: DetectionBox)] {
        var rows: [(frame: Int, box: DetectionBox)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if number == 0 || line.isEmpty { continue }
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == 7, let frame = Int(f[0]), let x1 = Int(f[1]), let y1 = Int(f[2]), let x2 = Int(f[3]), let y2 = Int(f[4]),
                  let c = Float(f[5]), let k = Int(f[6]) else {
                throw DarknetError(file, line: number + 1, "expected \(header)")
            }
            rows.append((frame, DetectionBox(x1: x1, y1: y1, x2: x2, y2: y2, confidence: c, classID: k)))
        }
        return rows
    }
}
