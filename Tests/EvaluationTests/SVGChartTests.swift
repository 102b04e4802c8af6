import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import TestScratch
import VideoIO
@testable import Evaluation

extension XMLElement {
    /// An attribute's value by name. (FoundationXML's `attribute(forName:)` finds nothing on an element in a
    /// default namespace, as SVG's are.)
    func value(_ name: String) -> String? { attributes?.first { $0.name == name }?.stringValue }
}

/// The SVG charts parse as XML, hold what they show (a line per series, the labels, the shaded ranges, the threshold)
/// and keep every coordinate finite and inside the view box, whatever the data.
final class SVGChartTests: XCTestCase {
    /// The elements of a parsed SVG by local name (the SVG namespace leaves XPath names unprefixed-unfriendly).
    struct ParsedSVG {
        let root: XMLElement
        let viewBox: (width: Double, height: Double)

        init(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let document = try XMLDocument(xmlString: text, options: [])
            root = try XCTUnwrap(document.rootElement(), file: file, line: line)
            XCTAssertEqual(root.localName, "svg", file: file, line: line)
            let box = try XCTUnwrap(root.value("viewBox"), file: file, line: line)
                .split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(box.count, 4, file: file, line: line)
            XCTAssertEqual(Array(box.prefix(2)), [0, 0], file: file, line: line)
            viewBox = (box[2], box[3])
        }

        func elements(_ name: String) -> [XMLElement] {
            var found: [XMLElement] = []
            func walk(_ element: XMLElement) {
                if element.localName == name { found.append(element) }
                for child in element.children ?? [] { if let e = child as? XMLElement { walk(e) } }
            }
            walk(root)
            return found
        }

        var texts: [String] { elements("text").map { $0.stringValue ?? "" } }

        /// Every x/y coordinate of every element (attributes and polyline points) as (x, y) pairs or single values.
        func assertCoordinatesInside(file: StaticString = #filePath, line: UInt = #line) {
            var checked = 0
            func check(_ value: Double, _ limit: Double, _ what: String) {
                checked += 1
                XCTAssertTrue(value.isFinite && value >= 0 && value <= limit, "\(what) = \(value) outside 0...\(limit)", file: file, line: line)
            }
            for name in ["line", "rect", "text", "circle", "polyline"] {
                for e in elements(name) {
                    for attribute in ["x", "x1", "x2", "cx"] {
                        if let v = e.value(attribute) { check(Double(v) ?? .nan, viewBox.width, "\(name) \(attribute)") }
                    }
                    for attribute in ["y", "y1", "y2", "cy"] {
                        if let v = e.value(attribute) { check(Double(v) ?? .nan, viewBox.height, "\(name) \(attribute)") }
                    }
                    if name == "rect", let x = Double(e.value("x") ?? ""), let w = Double(e.value("width") ?? "") {
                        check(x + w, viewBox.width, "rect right edge")
                    }
                    if name == "rect", let y = Double(e.value("y") ?? ""), let h = Double(e.value("height") ?? "") {
                        check(y + h, viewBox.height, "rect bottom edge")
                    }
                    if name == "polyline" {
                        for point in Self.points(e) { check(point.x, viewBox.width, "polyline x"); check(point.y, viewBox.height, "polyline y") }
                    }
                }
            }
            XCTAssertGreaterThan(checked, 20, "too few coordinates to check", file: file, line: line)
        }

        static func points(_ polyline: XMLElement) -> [(x: Double, y: Double)] {
            (polyline.value("points") ?? "").split(separator: " ").map { pair in
                let xy = pair.split(separator: ",").map { Double($0) ?? .nan }
                return (xy.first ?? .nan, xy.count == 2 ? xy[1] : .nan)
            }
        }
    }

    private func chart() -> SVGChart {
        var chart = SVGChart(title: "Frame scores", xLabel: "frame", yLabel: "score")
        chart.series = [
            .init(name: "frame score", color: .blue, points: (0..<50).map { (x: Double($0), y: sin(Double($0) / 5) * 3) }),
            .init(name: "second", color: .orange, points: (0..<50).map { (x: Double($0), y: Double($0) / 10) }),
        ]
        chart.shadings = [.init(name: "event", color: .orange, opacity: 0.3, ranges: [9.5...20.5, 30.5...34.5]),
                          .init(name: "ground truth", color: .red, opacity: 0.8, ranges: [10.5...25.5], strip: true)]
        chart.threshold = .init(value: 2.5, label: "threshold 2.500")
        return chart
    }

    func testAChartIsWellFormedWithALinePerSeriesItsLabelsAndItsRanges() throws {
        let svg = try ParsedSVG(chart().render())
        XCTAssertEqual(svg.elements("polyline").count, 2)
        XCTAssertEqual(svg.elements("polyline").map { $0.value("stroke") }, ["#1f77b4", "#ff7f0e"])
        XCTAssertEqual(svg.elements("polyline").map { ParsedSVG.points($0).count }, [50, 50])
        for label in ["Frame scores", "frame", "score", "frame score", "second", "event", "ground truth", "threshold 2.500"] {
            XCTAssertTrue(svg.texts.contains(label), "no text '\(label)' in \(svg.texts)")
        }
        // Round ticks: the y axis of scores in -3...5 (threshold included) runs over whole numbers.
        let yTicks = svg.elements("g").first { $0.value("class") == "ticks" }?.children?
            .compactMap { ($0 as? XMLElement)?.value("text-anchor") == "end" ? $0.stringValue : nil } ?? []
        XCTAssertFalse(yTicks.isEmpty)
        XCTAssertTrue(yTicks.allSatisfy { Double($0).map { $0 == $0.rounded() } ?? false }, "\(yTicks)")
        let shadings = svg.elements("g").filter { $0.value("class") == "shading" }
        XCTAssertEqual(shadings.map { $0.children?.count ?? 0 }, [2, 1])
        XCTAssertEqual(svg.elements("line").filter { $0.value("class") == "threshold" }.count, 1)
        svg.assertCoordinatesInside()
        // The file form carries an XML declaration and parses too.
        _ = try ParsedSVG(String(decoding: chart().fileData(), as: UTF8.self))
    }

    func testTheThresholdLineSitsAtItsValue() throws {
        var c = chart()
        c.yDomain = 0...10
        c.threshold = .init(value: 7.5, label: "t")
        let svg = try ParsedSVG(c.render())
        let frame = try XCTUnwrap(svg.elements("rect").first { $0.value("class") == "frame" })
        let top = Double(frame.value("y")!)!, height = Double(frame.value("height")!)!
        let line = try XCTUnwrap(svg.elements("line").first { $0.value("class") == "threshold" })
        let y = Double(line.value("y1")!)!
        XCTAssertEqual(y, top + height * 0.25, accuracy: 0.1)
    }

    func testSpecialCharactersInNamesAreEscaped() throws {
        var c = chart()
        let name = "cam <1> & \"lobby\" 'east'\u{1}"
        c.title = "Frame scores of \(name)"
        c.series[0].name = name
        let text = c.render()
        XCTAssertFalse(text.contains("<1>"))
        let svg = try ParsedSVG(text)
        let expected = "cam <1> & \"lobby\" 'east'\u{FFFD}"
        XCTAssertTrue(svg.texts.contains("Frame scores of \(expected)"), "\(svg.texts)")
        XCTAssertTrue(svg.texts.contains(expected), "\(svg.texts)")
        XCTAssertEqual(xmlEscaped("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;")
    }

    func testNonFiniteAndOutOfRangeValuesStayInsideTheViewBox() throws {
        var c = chart()
        c.series = [.init(name: "wild", color: .blue, points: [(0, 1), (1, .nan), (2, 1e300), (3, -1e300), (4, .infinity), (5, 2), (6, 3)])]
        c.shadings = [.init(name: "far", color: .red, opacity: 0.2, ranges: [-1e9...1e9, 5...1e300, -.infinity...(-1)])]
        c.yDomain = 0...4
        c.xDomain = 0...6
        c.threshold = .init(value: 99, label: "above the axis")
        let svg = try ParsedSVG(c.render())
        // NaN and infinity cut the line: (0, 1) alone, then 1e300 ... -1e300, then the last two.
        XCTAssertEqual(svg.elements("polyline").map { ParsedSVG.points($0).count }, [2, 2])
        XCTAssertEqual(svg.elements("circle").count, 1)
        svg.assertCoordinatesInside()
    }

    func testLongCurvesAreThinnedAndKeepTheirPeak() throws {
        var scores = [Double](repeating: 1, count: 200_000)
        scores[123_457] = 40
        scores[7] = -10
        let c = Plots.scoreCurveSVG(title: "long", scores: scores)
        let svg = try ParsedSVG(c.render())
        let points = svg.elements("polyline").flatMap(ParsedSVG.points)
        XCTAssertLessThan(points.count, 4 * Int(c.width))
        XCTAssertGreaterThan(points.count, Int(c.width) / 2)
        let frame = try XCTUnwrap(svg.elements("rect").first { $0.value("class") == "frame" })
        let top = Double(frame.value("y")!)!, height = Double(frame.value("height")!)!
        // The y axis runs over round values (-10...40 in steps of 10): both extremes reach the plot's edges.
        XCTAssertEqual(points.map(\.y).min()!, top, accuracy: 0.1)
        XCTAssertEqual(points.map(\.y).max()!, top + height, accuracy: 0.1)
        XCTAssertTrue(zip(points, points.dropFirst()).allSatisfy { $0.x <= $1.x }, "points stay in x order")
    }

    func testScoreCurveShadesGroundTruthAndEventsApart() throws {
        let labels: [UInt8] = [0, 0, 1, 1, 1, 0, 0, 1, 0, 0]
        let scores = (0..<10).map { Double($0 % 4) }
        let withEvents = try ParsedSVG(Plots.scoreCurveSVG(title: "v", scores: scores, labels: labels, events: [2...4],
                                                            threshold: .init(value: 1.5, label: "threshold")).render())
        let shadings = withEvents.elements("g").filter { $0.value("class") == "shading" }
        XCTAssertEqual(shadings.count, 2)
        XCTAssertEqual(shadings.map { $0.children?.count ?? 0 }, [2, 1], "two ground-truth runs, one event")
        XCTAssertEqual(SVGChart.ranges(of: labels.map { $0 != 0 }), [1.5...4.5, 6.5...7.5])
        withEvents.assertCoordinatesInside()
    }

    func testTicksAreRoundAndLabelledWithTheDecimalsTheyNeed() {
        XCTAssertEqual(SVGChart.ticks(0...7.3, target: 4), [0, 2, 4, 6])
        XCTAssertEqual(SVGChart.ticks(0...1, target: 5), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        XCTAssertEqual(SVGChart.tickText(0.4, ticks: [0, 0.2, 0.4]), "0.4")
        XCTAssertEqual(SVGChart.tickText(100, ticks: [0, 50, 100]), "100")
        XCTAssertEqual(SVGChart.tickText(0.05, ticks: [0, 0.05]), "0.05")
        XCTAssertEqual(SVGChart.roundedOut(0.3...4.1), 0...5)
    }
}
