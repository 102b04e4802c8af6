import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import TestScratch
import VideoIO

/// `ssmtl report` as an operator runs it: the page's structure, its embedded thumbnails, its metrics, how a real
/// browser draws it, and one-line errors that leave no page behind.
final class ReportCommandTests: XCTestCase {
    /// The page parsed as XML (it is written well-formed), with its elements found by name and class.
    struct Page {
        let root: XMLElement
        init(_ path: String) throws {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            root = try XCTUnwrap(try XMLDocument(xmlString: text, options: []).rootElement())
        }
        func elements(_ name: String, in element: XMLElement? = nil) -> [XMLElement] {
            var found: [XMLElement] = []
            func walk(_ e: XMLElement) {
                if e.localName == name { found.append(e) }
                for child in e.children ?? [] { if let c = child as? XMLElement { walk(c) } }
            }
            walk(element ?? root)
            return found
        }
    }

    private func run(_ paths: ScoredFolder.Paths, videos: [String]? = nil, extra: [String] = [], out: String? = nil) throws -> (CLIResult, String) {
        let report = out ?? paths.root + "/out/report.html"
        let result = try CLI.run(["report", "--scores", paths.scores, "--videos"] + (videos ?? [paths.videos]) + ["--out", report] + extra)
        return (result, report)
    }

    func testThePageHasASectionPerVideoARowPerEventAndThumbnailsThatDecode() throws {
        let paths = try ScoredFolder.make(in: try makeScratchFolder("ssmtl-report"))
        let (result, report) = try run(paths, extra: ["--gt", paths.groundTruth])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderrLines.filter { $0.hasPrefix("report: ") }.count, 4, result.stderr)
        XCTAssertTrue(result.stderr.contains("report: 01: 60 frames, 2 events, 2 pictured"), result.stderr)
        XCTAssertTrue(result.stderr.contains("3 videos, 130 frames, 2 events, 2 pictured"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: paths.root + "/out"), ["report.html"], "no temporary left")

        let page = try Page(report)
        let sections = page.elements("section")
        XCTAssertEqual(sections.map { page.elements("h2", in: $0).first?.stringValue }, ScoredFolder.names, "natural order, names unescaped")
        // 01: its chart and both events, ranked; 03: no events file; a&b <2>: no events.
        XCTAssertEqual(sections.map { page.elements("svg", in: $0).count }, [1, 1, 1])
        XCTAssertEqual(sections.map { page.elements("polyline", in: $0).count }, [1, 1, 1])
        let rows = page.elements("tr", in: page.elements("tbody", in: sections[0])[0])
        XCTAssertEqual(rows.map { page.elements("td", in: $0).first?.stringValue }, ["1", "2"])
        XCTAssertTrue(rows[0].stringValue?.contains("35–45") ?? false, rows[0].stringValue ?? "")
        XCTAssertTrue(rows[1].stringValue?.contains("no object") ?? false, rows[1].stringValue ?? "")
        XCTAssertTrue(sections[1].stringValue?.contains("written without a threshold") ?? false)
        XCTAssertTrue(sections[2].stringValue?.contains("No events") ?? false)
        XCTAssertTrue(page.elements("tbody", in: sections[1]).isEmpty && page.elements("tbody", in: sections[2]).isEmpty)
        // Threshold line on every curve; ground truth and events shaded on 01's.
        XCTAssertEqual(page.elements("line").filter { $0.value("class") == "threshold" }.count, 3)
        let shadings01 = page.elements("g", in: sections[0]).filter { $0.value("class") == "shading" }
        XCTAssertEqual(shadings01.map { $0.children?.count ?? 0 }, [1, 2], "one ground-truth run, two events")

        // The summary: counts, the threshold and its source, eval's metrics.
        let summary = try XCTUnwrap(page.elements("div").first { $0.value("class") == "summary" }?.stringValue)
        for fragment in ["videos3", "frames130", "events2", "2.750 (train: 0.5 % of the 362 normal validation frames score above it)",
                         "micro AUC", "macro AUC"] {
            XCTAssertTrue(summary.contains(fragment), "summary lacks '\(fragment)': \(summary)")
        }
        XCTAssertNotNil(summary.firstMatch(of: #/RBDC[0-9]+\.[0-9]{2} %TBDC[0-9]+\.[0-9]{2} %/#), summary)

        // Self-contained: no script, every image embedded; each thumbnail decodes at 320 px wide with the box drawn.
        XCTAssertTrue(page.elements("script").isEmpty)
        XCTAssertTrue(page.elements("link").isEmpty)
        // Rank 1 has a box: the frame and a close-up; rank 2 has no object: the frame alone.
        let images = page.elements("img")
        XCTAssertEqual(images.map { $0.value("class") }, ["thumb", "closeup", "thumb"])
        let scratch = try makeScratchFolder("ssmtl-report-thumbs")
        var decoded: [Frame] = []
        for (k, image) in images.enumerated() {
            let source = try XCTUnwrap(image.value("src"))
            XCTAssertTrue(source.hasPrefix("data:image/jpeg;base64,"), String(source.prefix(40)))
            let data = try XCTUnwrap(Data(base64Encoded: String(source.dropFirst("data:image/jpeg;base64,".count))))
            let file = scratch + "/picture\(k).jpg"
            try data.write(to: URL(fileURLWithPath: file))
            decoded.append(try ImageFile.read(path: file))
        }
        func redness(_ picture: Frame, _ x: Int, _ y: Int) -> Int {
            let i = (y * picture.width + x) * 3
            return Int(picture.pixels[i]) - Int(picture.pixels[i + 1])
        }
        XCTAssertEqual(decoded.map { "\($0.width)x\($0.height)" }, ["320x160", "162x142", "320x160"])
        // The box (100...180, 50...120 in 480x240) at 2/3 scale: its left edge at x 66-67 is red, its inside is not.
        XCTAssertGreaterThan(max(redness(decoded[0], 66, 60), redness(decoded[0], 67, 60)), 100, "box edge")
        XCTAssertLessThan(redness(decoded[0], 90, 70), 40, "inside the box")
        // The close-up: the box widened by half its size each side (60...221, 15...156): its left edge at x 40.
        XCTAssertGreaterThan(max(redness(decoded[1], 40, 70), redness(decoded[1], 41, 70)), 100, "close-up box edge")
        XCTAssertLessThan(redness(decoded[1], 20, 70), 40, "outside the box")
        XCTAssertLessThan((0..<320).map { redness(decoded[2], $0, 60) }.max()!, 60, "no box without an object")
    }

    func testWithoutVideosThePageHasNoThumbnailsAndSaysSo() throws {
        let paths = try ScoredFolder.make(in: try makeScratchFolder("ssmtl-report"))
        let report = paths.root + "/report.html"
        let result = try CLI.run(["report", "--scores", paths.scores, "--out", report, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let page = try Page(report)
        XCTAssertTrue(page.elements("img").isEmpty)
        XCTAssertEqual(page.elements("tr", in: page.elements("tbody", in: page.elements("section")[0])[0]).count, 2)
        XCTAssertTrue(page.root.stringValue?.contains("none (no --videos given)") ?? false)
    }

    func testWithoutEventsJSONThereIsNoThresholdLine() throws {
        let paths = try ScoredFolder.make(in: try makeScratchFolder("ssmtl-report"))
        try FileManager.default.removeItem(atPath: paths.scores + "/events.json")
        let (result, report) = try run(paths)
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = try Page(report)
        XCTAssertTrue(page.elements("line").allSatisfy { $0.value("class") != "threshold" })
        XCTAssertTrue(page.root.stringValue?.contains("the scores were written without a threshold (no events.json)") ?? false)
    }

    /// Each bad input: exit 1, one line naming the file, and no page (nor a temporary) left; an older page stays.
    func testBadInputsFailInOneLineAndLeaveNoPage() throws {
        func assertFails(_ paths: ScoredFolder.Paths, videos: [String]? = nil, _ fragment: String, line: UInt = #line) throws {
            let out = paths.root + "/out"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try Data("an older page".utf8).write(to: URL(fileURLWithPath: out + "/report.html"))
            let (result, report) = try run(paths, videos: videos)
            XCTAssertEqual(result.status, 1, result.stderr, line: line)
            XCTAssertEqual(result.stderrLines.filter { $0.hasPrefix("ssmtl: error: ") }.count, 1, result.stderr, line: line)
            XCTAssertEqual(result.stderrLines.filter { !$0.hasPrefix("report: ") }.count, 1, result.stderr, line: line)
            XCTAssertTrue(result.stderr.contains(fragment), "'\(result.stderr)' lacks '\(fragment)'", line: line)
            XCTAssertEqual(try String(contentsOfFile: report, encoding: .utf8), "an older page", line: line)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["report.html"], "no temporary left", line: line)
        }
        let scratch = try makeScratchFolder("ssmtl-report")

        let empty = try ScoredFolder.make(in: scratch + "/empty")
        for name in ScoredFolder.names { try FileManager.default.removeItem(atPath: empty.scores + "/\(name).csv") }
        try assertFails(empty, "scores: no <video>.csv score files")

        let missing = try ScoredFolder.make(in: scratch + "/missing")
        try assertFails(missing, videos: [missing.videos + "/a&b <2>.mp4"], "01.events.csv: no video named '01' among the --videos inputs")

        let malformed = try ScoredFolder.make(in: scratch + "/malformed")
        try ScoredFolder.write(ScoredFolder.eventsHeader + "\n1,35,45,1.400,1.800,x,1.600,5,4.6,100,50,180,120\n",
                               to: malformed.scores + "/01.events.csv")
        try assertFails(malformed, "01.events.csv: line 2: peak_frame 'x' is not a whole number ≥ 0")

        let beyond = try ScoredFolder.make(in: scratch + "/beyond")
        try ScoredFolder.write(ScoredFolder.eventsHeader + "\n1,35,45,1.400,1.800,40,1.600,5,4.6,100,50,480,120\n",
                               to: beyond.scores + "/01.events.csv")
        try assertFails(beyond, "01.events.csv: event 1's box 100,50,480,120 lies outside the 480x240 frames")

        // A frame folder whose 21st image is not an image: the first pass over the video meets it before frame 40.
        let unreadable = try ScoredFolder.make(in: scratch + "/unreadable")
        let frames = unreadable.root + "/frames/01"
        try FileManager.default.createDirectory(atPath: frames, withIntermediateDirectories: true)
        let reader = try FrameReader(path: unreadable.videos + "/01.mp4")
        while let frame = try reader.next() { try ImageFile.write(frame, to: frames + String(format: "/%03d.png", frame.index)) }
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: frames + "/020.png"))
        try assertFails(unreadable, videos: [frames], "020.png: not a valid .png image")
    }

    func testCommandLineMistakesAreUsageErrors() throws {
        let paths = try ScoredFolder.make(in: try makeScratchFolder("ssmtl-report"))
        for (arguments, fragment) in [(["--thumbnail-width", "8"], "--thumbnail-width must lie in 32...1920"),
                                      (["--dataset", "ped2"], "--dataset needs --gt")] {
            let (result, report) = try run(paths, extra: arguments)
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(fragment) && result.stderr.contains("(see 'ssmtl help report')"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: report))
        }
        let (folder, _) = try run(paths, out: paths.scores)
        XCTAssertEqual(folder.status, 1, folder.stderr)
        XCTAssertTrue(folder.stderr.contains("--out names a folder; give a file name such as"), folder.stderr)
    }

    /// Chromium draws the page: the screenshot has text (dark pixels), the chart and the thumbnails (many colours).
    func testABrowserDrawsThePage() throws {
        guard ["/usr/bin/chromium", "/usr/bin/chromium-browser"].contains(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("chromium is not installed: Scripts/test.sh installs it (apt-get install chromium) for this test")
        }
        let paths = try ScoredFolder.make(in: try makeScratchFolder("ssmtl-report"))
        let (result, report) = try run(paths, extra: ["--gt", paths.groundTruth, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let png = paths.root + "/shot.png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [CLI.packageRoot.appendingPathComponent("Scripts/report_screenshot.sh").path, report, png]
        let shot = try CLI.collect(process)
        XCTAssertEqual(shot.status, 0, shot.stderr)
        let image = try ImageFile.read(path: png)
        XCTAssertEqual(image.width, 1280)
        XCTAssertEqual(image.height, 2000)
        var colours = Set<Int>(), dark = 0, blue = 0
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            let r = Int(image.pixels[i]), g = Int(image.pixels[i + 1]), b = Int(image.pixels[i + 2])
            colours.insert(r << 16 | g << 8 | b)
            if r + g + b < 150 { dark += 1 }
            if b > 150 && r < 80 && g > 90 && g < 150 { blue += 1 }  // the score curve's #1f77b4
        }
        XCTAssertGreaterThan(colours.count, 500, "a blank or flat page")
        XCTAssertGreaterThan(dark, 5000, "text is drawn")
        XCTAssertGreaterThan(blue, 500, "the score curves are drawn")
    }
}

extension XMLElement {
    /// An attribute's value by name. (FoundationXML's `attribute(forName:)` finds nothing on an element in a
    /// default namespace, as inline SVG's are.)
    func value(_ name: String) -> String? { attributes?.first { $0.name == name }?.stringValue }
}
