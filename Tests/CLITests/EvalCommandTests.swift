import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import TestScratch

/// `ssmtl eval` as a user runs it: table on stdout, JSON and charts on request, one-line errors.
final class EvalCommandTests: XCTestCase {
    private func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private func makeSet() throws -> String {
        let root = try makeScratchFolder("ssmtl-cli")
        try write("0\n0\n1\n1\n", root + "/gt/01.txt")
        try write("1\n0\n0\n", root + "/gt/02.txt")
        try write("0,2,0,0,9,9\n0,3,0,0,9,9\n", root + "/gt/tracks/01.txt")
        try write("frame,score,aot,mi,mb,kd\n0,0.1,0,0,0,0\n1,0.2,0,0,0,0\n2,0.9,0,0,0,0\n3,0.8,0,0,0,0\n", root + "/scores/01.csv")
        try write("frame,score\n0,0.7\n1,0.1\n2,0.2\n", root + "/scores/02.csv")
        try write("2,0,0,9,9,0.9\n3,1,1,9,9,0.8\n0,50,50,60,60,0.1\n", root + "/scores/01.regions.txt")
        return root
    }

    func testTableJSONAndPlots() throws {
        let root = try makeSet()
        let result = try CLI.run(["eval", "--scores", root + "/scores", "--gt", root + "/gt", "--json", root + "/out/eval.json",
                                  "--plots", root + "/plots", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("micro AUC   100.00"), result.stdout)
        XCTAssertTrue(result.stdout.contains("RBDC        100.00"), result.stdout)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/out/eval.json"))) as? [String: Any])
        XCTAssertEqual(json["microAUC"] as? Double, 1)
        XCTAssertEqual(json["tbdc"] as? Double, 1)
        XCTAssertEqual((json["videos"] as? [Any])?.count, 2)
        for name in ["roc", "rbdr_tbdr", "video_01", "video_02"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/plots/" + name + ".png"), name)
            // The SVG twin parses as XML and draws at least one curve.
            let svg = try String(contentsOfFile: root + "/plots/" + name + ".svg", encoding: .utf8)
            let document = try XMLDocument(xmlString: svg, options: [])
            XCTAssertEqual(document.rootElement()?.localName, "svg", name)
            XCTAssertTrue(svg.contains("<polyline class=\"series\""), name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/plots").count, 8, "no temporary left")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root + "/out")
        XCTAssertEqual(leftovers, ["eval.json"])
    }

    func testErrorsAreOneLineAndNonZero() throws {
        let root = try makeSet()
        try write("frame,score\n0,0.7\n1,nan\n2,0.2\n", root + "/scores/02.csv")
        var result = try CLI.run(["eval", "--scores", root + "/scores", "--gt", root + "/gt"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("02.csv: line 3"), result.stderr)

        try write("frame,score\n0,0.7\n1,0.1\n", root + "/scores/02.csv")
        result = try CLI.run(["eval", "--scores", root + "/scores", "--gt", root + "/gt"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("02.csv: 2 frame scores, the ground truth"), result.stderr)

        try write("not an npy file", root + "/gt2/01.npy")
        result = try CLI.run(["eval", "--scores", root + "/scores", "--gt", root + "/gt2"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("01.npy: corrupt .npy file"), result.stderr)

        result = try CLI.run(["eval", "--scores", root + "/scores", "--gt", root + "/nowhere"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("nowhere: no such ground-truth"), result.stderr)
    }

    /// Avenue ground truth made of the evaluation tests' MAT fixture (4 frames, labels 0,1,1,1) as 1, 2 and 3_label.mat,
    /// with a score file for video 02 only.
    private func makeAvenueWithOneScoredVideo() throws -> String {
        let root = try makeScratchFolder("ssmtl-cli")
        let fixture = CLI.packageRoot.appendingPathComponent("Tests/EvaluationTests/Fixtures/mat/cell_plain.mat").path
        try FileManager.default.createDirectory(atPath: root + "/gt/testing_label_mask", withIntermediateDirectories: true)
        for n in 1...3 { try FileManager.default.copyItem(atPath: fixture, toPath: root + "/gt/testing_label_mask/\(n)_label.mat") }
        try write("frame,score\n0,0.1\n1,0.9\n2,0.7\n3,0.8\n", root + "/scores/02.csv")
        return root
    }

    func testScoredOnlyEvaluatesThePresentVideosAndNamesTheOthers() throws {
        let root = try makeAvenueWithOneScoredVideo()
        let refused = try CLI.run(["eval", "--scores", root + "/scores", "--gt", root + "/gt"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.hasPrefix("ssmtl: error: "), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("no score file for 2 of the 3 ground-truth videos: 01 and 03; --scored-only"), refused.stderr)

        let partial = try CLI.run(["eval", "--scores", root + "/scores", "--gt", root + "/gt", "--scored-only",
                                   "--json", root + "/eval.json", "--plots", root + "/plots"])
        XCTAssertEqual(partial.status, 0, partial.stderr)
        XCTAssertTrue(partial.stderrLines.contains(
            "eval: note: evaluated the 1 of the 3 ground-truth videos that have a score file; left out 2 without one: 01 and 03"), partial.stderr)
        XCTAssertTrue(partial.stdout.contains("videos: 1 of 3   frames: 4 (3 anomalous)"), partial.stdout)
        XCTAssertTrue(partial.stdout.contains("\n02 "), partial.stdout)
        XCTAssertFalse((partial.stdout + partial.stderr).contains("_label"), partial.stdout + partial.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/eval.json"))) as? [String: Any])
        XCTAssertEqual(json["leftOutVideos"] as? [String], ["01", "03"])
        let videos = try XCTUnwrap(json["videos"] as? [[String: Any]])
        XCTAssertEqual(videos.map { $0["name"] as? String }, ["02"])
        XCTAssertEqual(videos.first?["groundTruth"] as? String, root + "/gt/testing_label_mask/2_label.mat")
        XCTAssertEqual(json["frames"] as? Int, 4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/plots/video_02.png"))
    }
}
