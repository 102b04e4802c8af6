import Foundation
import VideoIO

/// Charts of an evaluation, as PNG and as SVG: ROC curve, RBDR/TBDR vs FPR, and per-video scores against the ground
/// truth. The SVG versions (sharp at any size, text selectable) are also what `ssmtl report` inlines.
public enum Plots {
    /// A named, coloured polyline: the same for the PNG and the SVG charts.
    public typealias Series = SVGChart.Series

    /// A plot area with axes from 0 to 1 on both sides (ticks every 0.2), series drawn as polylines.
    public static func curveChart(title: String, xLabel: String, yLabel: String, series: [Series], diagonal: Bool) -> Canvas {
        var c = Canvas(width: 520, height: 480)
        let left = 60, right = 500, top = 40, bottom = 420
        func px(_ x: Double) -> Int { left + Int((x * Double(right - left)).rounded()) }
        func py(_ y: Double) -> Int { bottom - Int((y * Double(bottom - top)).rounded()) }
        for k in 0...5 {
            let v = Double(k) / 5
            c.line(px(v), top, px(v), bottom, RGB(235, 235, 235))
            c.line(left, py(v), right, py(v), RGB(235, 235, 235))
            let label = String(format: "%.1f", v)
            c.text(label, x: px(v) - Canvas.textWidth(label) / 2, y: bottom + 6, .black)
            c.text(label, x: left - 8 - Canvas.textWidth(label), y: py(v) - 3, .black)
        }
        if diagonal { c.line(px(0), py(0), px(1), py(1), .grey) }
        c.line(left, top, left, bottom, .black); c.line(left, bottom, right, bottom, .black)
        c.line(right, top, right, bottom, .black); c.line(left, top, right, top, .black)
        for s in series {
            for (a, b) in zip(s.points, s.points.dropFirst()) {
                c.line(px(a.x), py(a.y), px(b.x), py(b.y), s.color, thickness: 2)
            }
        }
        c.text(title, x: (c.width - Canvas.textWidth(title, scale: 2)) / 2, y: 12, .black, scale: 2)
        c.text(xLabel, x: (left + right - Canvas.textWidth(xLabel)) / 2, y: bottom + 22, .black)
        c.text(yLabel, x: 4, y: top - 14, .black)
        for (k, s) in series.enumerated() {
            let y = bottom - 20 - 14 * (series.count - 1 - k)
            c.fillRect(x0: right - 150, y0: y, x1: right - 138, y1: y + 6, s.color)
            c.text(s.name, x: right - 132, y: y, .black)
        }
        return c
    }

    /// Frame scores of one video (line, scaled to the video's score range) over its anomalous frames (shaded).
    public static func videoChart(name: String, labels: [UInt8], scores: [Double], auc: Double?) -> Canvas {
        var c = Canvas(width: 800, height: 240)
        let left = 70, right = 785, top = 34, bottom = 205
        let lo = scores.min() ?? 0, hi = scores.max() ?? 1
        let span = hi > lo ? hi - lo : 1
        let n = max(scores.count, 1)
        func px(_ i: Int) -> Int { left + Int((Double(i) / Double(max(n - 1, 1)) * Double(right - left)).rounded()) }
        func py(_ s: Double) -> Int { bottom - Int(((s - lo) / span * Double(bottom - top)).rounded()) }
        let step = Double(right - left) / Double(max(n - 1, 1))
        for (i, l) in labels.enumerated() where l != 0 {
            c.fillRect(x0: Int((Double(px(i)) - step / 2).rounded()), y0: top, x1: Int((Double(px(i)) + step / 2).rounded()), y1: bottom, .pink)
        }
        c.line(left, top, left, bottom, .black); c.line(left, bottom, right, bottom, .black)
        for (i, (a, b)) in zip(scores, scores.dropFirst()).enumerated() { c.line(px(i), py(a), px(i + 1), py(b), .blue, thickness: 2) }
        if scores.count == 1 { c.fillRect(x0: px(0) - 1, y0: py(scores[0]) - 1, x1: px(0) + 1, y1: py(scores[0]) + 1, .blue) }
        let title = "VIDEO \(name)  AUC " + (auc.map { String(format: "%.3f", $0) } ?? "N/A")
        c.text(title, x: left, y: 8, .black, scale: 2)
        let legend = "SCORE (LINE)  GROUND TRUTH ANOMALY (SHADED)"
        c.text(legend, x: right - Canvas.textWidth(legend), y: 12, .black)
        for (value, y) in [(hi, top), (lo, bottom)] {
            let t = String(format: "%.3g", value)
            c.text(t, x: left - 6 - Canvas.textWidth(t), y: y - 3, .black)
        }
        c.text("0", x: left - 2, y: bottom + 6, .black)
        let last = "\(n - 1)"
        c.text(last, x: right - Canvas.textWidth(last), y: bottom + 6, .black)
        c.text("FRAME", x: (left + right) / 2 - 15, y: bottom + 20, .black)
        return c
    }

    /// The SVG counterpart of `curveChart`: both axes from 0 to 1.
    public static func curveSVG(title: String, xLabel: String, yLabel: String, series: [Series], diagonal: Bool) -> SVGChart {
        var chart = SVGChart(title: title, xLabel: xLabel, yLabel: yLabel)
        chart.width = 560
        chart.height = 520
        chart.xDomain = 0...1
        chart.yDomain = 0...1
        chart.diagonal = diagonal
        chart.series = series
        return chart
    }

    /// Colours of the score-curve charts: the events an operator reviews, the ground truth's anomalous frames.
    public static let eventColor = RGB(255, 127, 14), groundTruthColor = RGB(214, 39, 40)

    /// One video's frame scores over time (x = 0-based frame), with the ground truth's anomalous frames shaded
    /// (`labels`, when known), the detected events shaded in another colour, and the threshold line (when known).
    public static func scoreCurveSVG(title: String, scores: [Double], labels: [UInt8]? = nil, events: [ClosedRange<Int>] = [],
                                     threshold: SVGChart.Threshold? = nil) -> SVGChart {
        var chart = SVGChart(title: title, xLabel: "frame", yLabel: "score")
        chart.width = 900
        chart.height = 280
        chart.xDomain = -0.5...(Double(max(scores.count, 1)) - 0.5)
        if let labels {
            // Without events the ground truth shades the plot, as in the PNG; with them it underlines it, so that
            // where the two overlap each stays visible.
            chart.shadings.append(.init(name: "ground-truth anomaly", color: groundTruthColor, opacity: events.isEmpty ? 0.16 : 0.85,
                                        ranges: SVGChart.ranges(of: labels.map { $0 != 0 }), strip: !events.isEmpty))
        }
        if !events.isEmpty {
            chart.shadings.append(.init(name: "event", color: eventColor, opacity: 0.28,
                                        ranges: events.map { (Double($0.lowerBound) - 0.5)...(Double($0.upperBound) + 0.5) }))
        }
        chart.series = [SVGChart.Series(name: "frame score", color: .blue, points: scores.enumerated().map { (x: Double($0.offset), y: $0.element) })]
        chart.threshold = threshold
        return chart
    }

    /// Writes roc, rbdr_tbdr (when computed) and video_<name> into `directory`, each as .png and .svg; returns the
    /// paths.
    public static func writeAll(_ outcome: EvaluationOutcome, to directory: String) throws -> [String] {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw EvaluationError(directory, "cannot create the plots folder")
        }
        var written: [String] = []
        func save(_ canvas: Canvas, _ name: String) throws {
            let path = directory + "/" + name
            try ImageFile.writePNG(canvas.frame, to: path)
            written.append(path)
        }
        func save(_ chart: SVGChart, _ name: String) throws {
            let path = directory + "/" + name
            try writeFileAtomically(chart.fileData(), to: path)
            written.append(path)
        }
        let roc = outcome.frameAUC.microCurve.points.map { (x: $0.fpr, y: $0.tpr) }
        let micro = outcome.report.microAUC.map { String(format: "%.4f", $0) } ?? "N/A"
        try save(curveChart(title: "ROC MICRO AUC \(micro)", xLabel: "FALSE POSITIVE RATE", yLabel: "TRUE POSITIVE RATE",
                            series: [Series(name: "ALL FRAMES", color: .blue, points: roc)], diagonal: true), "roc.png")
        try save(curveSVG(title: "ROC, micro AUC \(micro)", xLabel: "false positive rate", yLabel: "true positive rate",
                          series: [Series(name: "all frames", color: .blue, points: roc)], diagonal: true), "roc.svg")
        if let rt = outcome.regionTrack {
            let title = String(format: "RBDC %.4f  TBDC %.4f", rt.rbdc, rt.tbdc)
            let rates = [Series(name: "RBDR", color: .orange, points: zip(rt.fpr, rt.rbdr).map { ($0, $1) }),
                         Series(name: "TBDR", color: .green, points: zip(rt.fpr, rt.tbdr).map { ($0, $1) })]
            try save(curveChart(title: title, xLabel: "FALSE POSITIVES PER FRAME", yLabel: "DETECTION RATE", series: rates, diagonal: false),
                     "rbdr_tbdr.png")
            try save(curveSVG(title: title, xLabel: "false positives per frame", yLabel: "detection rate", series: rates, diagonal: false),
                     "rbdr_tbdr.svg")
        }
        for (i, video) in outcome.report.videos.enumerated() {
            try save(videoChart(name: video.name, labels: outcome.labels[i], scores: outcome.scores[i], auc: video.auc),
                     "video_\(video.name).png")
            let auc = video.auc.map { String(format: "%.3f", $0) } ?? "n/a"
            try save(scoreCurveSVG(title: "Video \(video.name), AUC \(auc)", scores: outcome.scores[i], labels: outcome.labels[i]),
                     "video_\(video.name).svg")
        }
        return written
    }
}
