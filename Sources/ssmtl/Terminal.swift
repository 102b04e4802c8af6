import Foundation

/// Messages and progress on stderr: stdout stays for results.
enum Terminal {
    static let isInteractive = isatty(STDERR_FILENO) != 0

    /// One line whatever the message holds (a file's own text may contain line breaks: they are shown escaped).
    static func error(_ message: String) {
        let oneLine = message.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        FileHandle.standardError.write(Data("ssmtl: error: \(oneLine)\n".utf8))
    }

    static func note(_ message: String, quiet: Bool = false) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}

/// A one-line progress bar with rate and ETA, redrawn in place on a terminal, silent otherwise.
final class ProgressBar {
    private let label: String
    private let total: Int?
    private let unit: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private(set) var count = 0
    /// Shown after the rate (running losses, say).
    var detail = ""

    init(_ label: String, total: Int?, unit: String = "frames", quiet: Bool) {
        self.label = label
        self.total = total
        self.unit = unit
        enabled = !quiet && Terminal.isInteractive
    }

    func advance(by n: Int = 1) {
        count += n
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.2 else { return }
        draw()
    }

    /// Advances to `done` in all (the runs report running totals).
    func advance(to done: Int) { advance(by: done - count) }

    func finish() {
        guard enabled else { return }
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    var rate: Double { Double(count) / max(Date().timeIntervalSince(start), 1e-9) }

    private func draw() {
        lastDraw = Date()
        var line = "\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(count) / Double(total))
            let width = 24, filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += "\(count)/\(total) \(unit)"
            let eta = rate > 0 ? Double(total - count) / rate : 0
            line += String(format: " %.1f/s ETA %.0fs", rate, eta)
        } else {
            line += String(format: "%d %@ %.1f/s", count, unit, rate)
        }
        if !detail.isEmpty { line += "  " + detail }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }
}

/// A runtime failure of a command that is not about one file: printed as one `ssmtl: error:` line.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
