import Foundation
import VideoIO

/// A line chart as SVG text: crisp lines and text at any size, small enough to inline in a page by the hundred.
/// Axes with ticks at round values, axis labels, a legend above the plot, polylines, shaded x-ranges (events,
/// ground-truth anomalies) and an optional horizontal threshold line. Every coordinate is finite and inside the
/// view box: values outside the axes' domains are drawn at the edge, non-finite points are skipped.
public struct SVGChart {
    public struct Series {
        public var name: String
        public var color: RGB
        public var points: [(x: Double, y: Double)]
        public init(name: String, color: RGB, points: [(x: Double, y: Double)]) {
            self.name = name; self.color = color; self.points = points
        }
    }

    /// Stretches of the x axis painted behind the lines, under one legend entry: the plot's full height, or a strip
    /// along its bottom (two kinds of stretches that overlap stay apart: one shades, the other underlines).
    public struct Shading {
        public var name: String
        public var color: RGB
        public var opacity: Double
        public var ranges: [ClosedRange<Double>]
        public var strip: Bool
        public init(name: String, color: RGB, opacity: Double, ranges: [ClosedRange<Double>], strip: Bool = false) {
            self.name = name; self.color = color; self.opacity = opacity; self.ranges = ranges; self.strip = strip
        }
    }

    public struct Threshold {
        public var value: Double
        public var label: String
        public var color: RGB
        public init(value: Double, label: String, color: RGB = RGB(60, 60, 60)) { self.value = value; self.label = label; self.color = color }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var width = 640.0
    public var height = 400.0
    /// The axes' ranges; nil = the data's range widened to round ticks (x: exactly the data's range).
    public var xDomain: ClosedRange<Double>?
    public var yDomain: ClosedRange<Double>?
    public var series: [Series] = []
    public var shadings: [Shading] = []
    public var threshold: Threshold?
    /// The y = x line of a ROC chart.
    public var diagonal = false
    public var fontSize = 13.0

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    }

    /// The chart as a standalone `<svg>` element (valid XML; add an XML declaration to save it as a file).
    public func render() -> String {
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        var ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        if let t = threshold?.value, t.isFinite { ys.append(t) }
        let xRange = xDomain ?? Self.span(xs)
        let yRange = yDomain ?? Self.roundedOut(Self.span(ys))
        // About one x tick per 90 units and at least five y intervals: a short chart still reads off values.
        let xTicks = Self.ticks(xRange, target: Int(width / 90)), yTicks = Self.ticks(yRange, target: max(5, Int(height / 80)))

        // Layout: title, legend rows, plot; tick labels left of and below the plot, the axis labels outside them.
        let f = fontSize
        let tickLabelWidth = yTicks.map { Self.textWidth(Self.tickText($0, ticks: yTicks), size: f) }.max() ?? f
        let left = (f * 1.6 + tickLabelWidth + 10).rounded()
        let right = width - 18
        let legend = legendEntries()
        let legendRows = Self.wrap(legend.map { 30 + Self.textWidth($0.name, size: f) }, width: right - left, gap: 18)
        let top = (f * 1.5 + 14 + Double(legendRows.count) * (f + 8) + 8).rounded()
        let bottom = height - (f * 2 + 22).rounded()
        func px(_ x: Double) -> Double { left + Self.unit(x, xRange) * (right - left) }
        func py(_ y: Double) -> Double { bottom - Self.unit(y, yRange) * (bottom - top) }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(n(width)) \(n(height))\" "
            + "width=\"\(n(width))\" height=\"\(n(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
            + "font-size=\"\(n(f))\" role=\"img\">\n"
        svg += "<title>\(xmlEscaped(title))</title>\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
        // Shaded ranges first, so that grid, lines and text stay on top.
        for shading in shadings {
            svg += "<g class=\"shading\" fill=\"\(hex(shading.color))\" fill-opacity=\"\(String(format: "%.2f", shading.opacity))\">\n"
            for range in shading.ranges where range.lowerBound.isFinite && range.upperBound.isFinite {
                var a = px(range.lowerBound), b = px(range.upperBound)
                guard b > a else { continue }
                // At least 2 units wide: a one-frame event of an hour-long video stays visible.
                if b - a < 2 { let middle = (a + b) / 2; a = max(left, middle - 1); b = min(right, a + 2); a = b - 2 }
                let y = shading.strip ? bottom - Self.stripHeight : top
                svg += "<rect x=\"\(n(a))\" y=\"\(n(y))\" width=\"\(n(b - a))\" height=\"\(n(bottom - y))\"/>\n"
            }
            svg += "</g>\n"
        }
        svg += "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n"
        for x in xTicks { svg += "<line x1=\"\(n(px(x)))\" y1=\"\(n(top))\" x2=\"\(n(px(x)))\" y2=\"\(n(bottom))\"/>\n" }
        for y in yTicks { svg += "<line x1=\"\(n(left))\" y1=\"\(n(py(y)))\" x2=\"\(n(right))\" y2=\"\(n(py(y)))\"/>\n" }
        svg += "</g>\n"
        svg += "<rect class=\"frame\" x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(bottom - top))\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\"/>\n"
        svg += "<g class=\"ticks\" fill=\"#222222\">\n"
        for x in xTicks {
            svg += "<text x=\"\(n(px(x)))\" y=\"\(n(bottom + f + 4))\" text-anchor=\"middle\">\(Self.tickText(x, ticks: xTicks))</text>\n"
        }
        for y in yTicks {
            svg += "<text x=\"\(n(left - 6))\" y=\"\(n(py(y) + f * 0.35))\" text-anchor=\"end\">\(Self.tickText(y, ticks: yTicks))</text>\n"
        }
        svg += "</g>\n"
        svg += "<text class=\"x-label\" x=\"\(n((left + right) / 2))\" y=\"\(n(height - 8))\" text-anchor=\"middle\" fill=\"#222222\">\(xmlEscaped(xLabel))</text>\n"
        let yMid = (top + bottom) / 2
        svg += "<text class=\"y-label\" x=\"\(n(f + 2))\" y=\"\(n(yMid))\" text-anchor=\"middle\" fill=\"#222222\" transform=\"rotate(-90 \(n(f + 2)) \(n(yMid)))\">\(xmlEscaped(yLabel))</text>\n"
        if diagonal {
            svg += "<line class=\"diagonal\" x1=\"\(n(px(xRange.lowerBound)))\" y1=\"\(n(py(yRange.lowerBound)))\" x2=\"\(n(px(xRange.upperBound)))\" y2=\"\(n(py(yRange.upperBound)))\" stroke=\"#aaaaaa\" stroke-dasharray=\"4 4\"/>\n"
        }
        for s in series {
            for run in Self.finiteRuns(s.points) {
                let points = Self.thinned(run.map { (px($0.x), py($0.y)) }, columns: Int(right - left))
                if points.count == 1 {
                    svg += "<circle class=\"series\" cx=\"\(n(points[0].0))\" cy=\"\(n(points[0].1))\" r=\"2\" fill=\"\(hex(s.color))\"/>\n"
                    continue
                }
                svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(hex(s.color))\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\""
                svg += points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
                svg += "\"/>\n"
            }
        }
        if let t = threshold, t.value.isFinite {
            let y = py(t.value)
            svg += "<line class=\"threshold\" x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(right))\" y2=\"\(n(y))\" stroke=\"\(hex(t.color))\" stroke-width=\"1.5\" stroke-dasharray=\"7 4\"/>\n"
            // Above the line unless that would leave the plot.
            let labelY = y - 5 - f < top ? y + f + 3 : y - 5
            svg += "<text class=\"threshold-label\" x=\"\(n(right - 6))\" y=\"\(n(labelY))\" text-anchor=\"end\" fill=\"\(hex(t.color))\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(xmlEscaped(t.label))</text>\n"
        }
        svg += "<text class=\"title\" x=\"\(n(left))\" y=\"\(n(f * 1.3 + 4))\" font-size=\"\(n(f * 1.25))\" font-weight=\"bold\" fill=\"#111111\">\(xmlEscaped(title))</text>\n"
        svg += "<g class=\"legend\" fill=\"#222222\">\n"
        var index = 0
        for (row, count) in legendRows.enumerated() {
            var x = left
            let y = f * 1.5 + 14 + Double(row) * (f + 8) + f * 0.5
            for entry in legend[index..<(index + count)] {
                switch entry.mark {
                case .line(let dashed):
                    svg += "<line x1=\"\(n(x))\" y1=\"\(n(y))\" x2=\"\(n(x + 22))\" y2=\"\(n(y))\" stroke=\"\(hex(entry.color))\" stroke-width=\"\(dashed ? "1.5" : "2.5")\"\(dashed ? " stroke-dasharray=\"5 3\"" : "")/>\n"
                case .box(let opacity):
                    svg += "<rect x=\"\(n(x))\" y=\"\(n(y - f * 0.45))\" width=\"22\" height=\"\(n(f * 0.9))\" fill=\"\(hex(entry.color))\" fill-opacity=\"\(String(format: "%.2f", max(opacity, 0.35)))\"/>\n"
                }
                svg += "<text x=\"\(n(x + 28))\" y=\"\(n(y + f * 0.35))\">\(xmlEscaped(entry.name))</text>\n"
                x += 30 + Self.textWidth(entry.name, size: f) + 18
            }
            index += count
        }
        svg += "</g>\n</svg>\n"
        return svg
    }

    /// The chart as an SVG file's bytes.
    public func fileData() -> Data { Data(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + render()).utf8) }

    // MARK: - Legend

    private enum Mark { case line(dashed: Bool), box(opacity: Double) }

    private func legendEntries() -> [(name: String, color: RGB, mark: Mark)] {
        var entries = series.map { (name: $0.name, color: $0.color, mark: Mark.line(dashed: false)) }
        entries += shadings.map { (name: $0.name, color: $0.color, mark: Mark.box(opacity: $0.opacity)) }
        if let t = threshold { entries.append((name: t.label, color: t.color, mark: .line(dashed: true))) }
        return entries
    }

    /// Height of a strip shading, in view-box units.
    static let stripHeight = 9.0

    /// How many of the items (widths) go on each row of `width`.
    static func wrap(_ widths: [Double], width: Double, gap: Double) -> [Int] {
        var rows: [Int] = [], used = 0.0, count = 0
        for w in widths {
            if count > 0 && used + gap + w > width { rows.append(count); used = 0; count = 0 }
            used += (count > 0 ? gap : 0) + w
            count += 1
        }
        if count > 0 { rows.append(count) }
        return rows
    }

    /// A generous estimate of a text's width in a sans-serif font (no font metrics at hand): layout leaves room.
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.62 }

    // MARK: - Scales

    static func span(_ values: [Double]) -> ClosedRange<Double> {
        guard let lo = values.min(), let hi = values.max() else { return 0...1 }
        return lo < hi ? lo...hi : (lo - 0.5)...(hi + 0.5)
    }

    /// Position of `v` in the domain as a fraction, clamped to [0, 1].
    static func unit(_ v: Double, _ domain: ClosedRange<Double>) -> Double {
        guard v.isFinite else { return 0 }
        let extent = domain.upperBound - domain.lowerBound
        guard extent > 0 else { return 0.5 }
        return min(1, max(0, (v - domain.lowerBound) / extent))
    }

    /// A round step (1, 2 or 5 times a power of ten) giving about `target` intervals.
    static func step(_ domain: ClosedRange<Double>, target: Int) -> Double {
        let raw = (domain.upperBound - domain.lowerBound) / Double(max(target, 2))
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, floor(log10(raw)))
        let mantissa = raw / power
        return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power
    }

    /// The domain widened to the round ticks around it.
    static func roundedOut(_ domain: ClosedRange<Double>) -> ClosedRange<Double> {
        let s = step(domain, target: 5)
        return (floor(domain.lowerBound / s) * s)...(ceil(domain.upperBound / s) * s)
    }

    static func ticks(_ domain: ClosedRange<Double>, target: Int) -> [Double] {
        let s = step(domain, target: target)
        var values: [Double] = []
        var k = ceil(domain.lowerBound / s - 1e-9)
        while k * s <= domain.upperBound + s * 1e-9 && values.count < 50 {
            values.append(k * s == 0 ? 0 : k * s)  // no "-0"
            k += 1
        }
        return values
    }

    /// A tick's label with as many decimals as the ticks' step needs.
    static func tickText(_ value: Double, ticks: [Double]) -> String {
        let s = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = max(0, min(6, Int(-floor(log10(s) + 1e-9))))
        return String(format: "%.\(decimals)f", value)
    }

    // MARK: - Points

    /// The stretches of consecutive finite points.
    static func finiteRuns(_ points: [(x: Double, y: Double)]) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = [], current: [(x: Double, y: Double)] = []
        for p in points {
            if p.x.isFinite && p.y.isFinite { current.append(p) } else if !current.isEmpty { runs.append(current); current = [] }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// A long curve over left-to-right x reduced to the first, lowest, highest and last point of each pixel column:
    /// the drawing is the same, and a page with a hundred hour-long videos stays small. Other curves pass unchanged.
    static func thinned(_ points: [(Double, Double)], columns: Int) -> [(Double, Double)] {
        guard points.count > 4 * max(columns, 1), zip(points, points.dropFirst()).allSatisfy({ $0.0 <= $1.0 }) else { return points }
        var kept: [(Double, Double)] = []
        var start = 0
        while start < points.count {
            let column = points[start].0.rounded(.down)
            var end = start
            var lowest = start, highest = start
            while end < points.count && points[end].0.rounded(.down) == column {
                if points[end].1 < points[lowest].1 { lowest = end }
                if points[end].1 > points[highest].1 { highest = end }
                end += 1
            }
            for i in Set([start, lowest, highest, end - 1]).sorted() { kept.append(points[i]) }
            start = end
        }
        return kept
    }

    /// The runs of flagged items as x-ranges widened by half a step each side (frame i covers i − 0.5 … i + 0.5).
    public static func ranges(of flags: [Bool]) -> [ClosedRange<Double>] {
        var ranges: [ClosedRange<Double>] = []
        var i = 0
        while i < flags.count {
            guard flags[i] else { i += 1; continue }
            var j = i
            while j + 1 < flags.count && flags[j + 1] { j += 1 }
            ranges.append((Double(i) - 0.5)...(Double(j) + 0.5))
            i = j + 1
        }
        return ranges
    }
}

/// Text made safe inside XML and HTML elements and attribute values: the five special characters as entities,
/// and the control characters XML 1.0 does not allow (a video name may hold anything) as U+FFFD.
public func xmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            let v = scalar.value
            out.unicodeScalars.append(v < 0x20 || v == 0xFFFE || v == 0xFFFF ? "\u{FFFD}" : scalar)
        }
    }
    return out
}

/// A coordinate or size with at most one decimal ("12", "12.5").
private func n(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
}

private func hex(_ c: RGB) -> String { String(format: "#%02x%02x%02x", c.r, c.g, c.b) }
