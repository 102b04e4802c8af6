import Foundation
import XCTest
import TestScratch

final class DetectCommandTests: XCTestCase {
    func testMotionDetectWritesOneCSVPerVideo() throws {
        let clip = CLI.videoFixtures.appendingPathComponent("clip.mp4").path
        let out = try makeScratchFolder("ssmtl-cli")
        let result = try CLI.run(["detect", clip, "--out", out, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let csv = try String(contentsOfFile: out + "/clip.csv", encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("frame,x1,y1,x2,y2,confidence,class\n"))
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            XCTAssertEqual(f.count, 7)
            XCTAssertTrue((0..<40).contains(Int(f[0]) ?? -1))
        }
        // No temporary file left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["clip.csv"])
    }

    func testBadDetectorInputsGiveOneLine() throws {
        let clip = CLI.videoFixtures.appendingPathComponent("clip.mp4").path
        let scratch = try makeScratchFolder("ssmtl-cli")
        let cfg = scratch + "/bad.cfg"
        try "[net]\nwidth=8\nheight=8\nchannels=3\n[lstm]\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        try Data(count: 100).write(to: URL(fileURLWithPath: scratch + "/w.weights"))
        let badCfg = try CLI.run(["detect", clip, "--out", scratch, "--detector", "yolo", "--cfg", cfg, "--weights", scratch + "/w.weights"])
        XCTAssertEqual(badCfg.status, 1)
        XCTAssertEqual(badCfg.stderrLines.count, 1, badCfg.stderr)
        XCTAssertTrue(badCfg.stderr.contains("bad.cfg:5"), badCfg.stderr)
        let tiny = CLI.packageRoot.appendingPathComponent("Models/yolov3-tiny.cfg").path
        let badWeights = try CLI.run(["detect", clip, "--out", scratch, "--detector", "yolo", "--cfg", tiny, "--weights", scratch + "/w.weights"])
        XCTAssertEqual(badWeights.status, 1)
        XCTAssertTrue(badWeights.stderr.contains("too short"), badWeights.stderr)
        let missing = try CLI.run(["detect", scratch + "/nothing.mp4", "--out", scratch])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderrLines.count, 1, missing.stderr)
        for bad in [["--split-valley", "1"], ["--split-valley", "-0.1"], ["--split-area", "-5"]] {
            let usage = try CLI.run(["detect", clip, "--out", scratch] + bad)
            XCTAssertNotEqual(usage.status, 0, bad.joined(separator: " "))
            XCTAssertTrue(usage.stderr.contains("--split-"), usage.stderr)
        }
    }
}
