import Foundation
import XCTest
import TestScratch
import Detection

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
        let negativeHeight = try CLI.run(["detect", clip, "--out", scratch, "--motion-reference-height=-240"])
        XCTAssertEqual(negativeHeight.status, 64)
        XCTAssertTrue(negativeHeight.stderr.contains("--motion-reference-height must lie in 0...65536"), negativeHeight.stderr)
        // Every motion setting of the shared table is refused above its range, by its own option's name.
        for limit in MotionParameters.limits {
            let above = limit.highest == limit.highest.rounded() && !limit.highestExcluded ? String(Int(limit.highest) + 1) : String(limit.highest)
            let refused = try CLI.run(["detect", clip, "--out", scratch, "--\(limit.option)=\(above)"])
            XCTAssertEqual(refused.status, 64, limit.option)
            XCTAssertTrue(refused.stderr.contains("--\(limit.option) must lie in \(limit.rangeText)"), refused.stderr)
        }
        for bad in ["-1", "nan", "1e9"] {
            let scale = try CLI.run(["detect", clip, "--out", scratch, "--colour-scale=\(bad)"])
            XCTAssertEqual(scale.status, 64, bad)
            XCTAssertTrue(scale.stderr.contains("--colour-scale must lie in 0...65536"), scale.stderr)
        }
    }
}

/// `--detector yolo+motion` and `--classes` through train, score and detect (the small random-weights YOLO of the
/// fixtures at a low threshold, so that it finds boxes; the real network is tested in DetectionTests).
final class YoloMotionCommandTests: XCTestCase {
    func testTrainScoreAndDetectWithYoloPlusMotion() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        let yolo = ["--cfg", CLI.packageRoot.appendingPathComponent("Models/yolov3-tiny-mini.cfg").path,
                    "--weights", CLI.packageRoot.appendingPathComponent("Tests/DetectionTests/Fixtures/darknet/yolov3-tiny-mini.weights").path]
        // YOLO alone at this threshold, then the union: the union adds the moving squares as class -1.
        let alone = try CLI.run(["detect", videos[0], "--out", scratch + "/d1", "--detector", "yolo", "--conf", "0.42", "--quiet"] + yolo)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        let union = try CLI.run(["detect", videos[0], "--out", scratch + "/d2", "--detector", "yolo+motion", "--conf", "0.42", "--quiet"] + yolo)
        XCTAssertEqual(union.status, 0, union.stderr)
        func rows(_ folder: String) throws -> [[Substring]] {
            try String(contentsOfFile: scratch + "/\(folder)/video0.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        }
        let yoloRows = try rows("d1"), unionRows = try rows("d2")
        XCTAssertEqual(unionRows.filter { $0[6] != "-1" }.map { $0.joined(separator: ",") }, yoloRows.map { $0.joined(separator: ",") },
                       "the union keeps every YOLO box")
        XCTAssertTrue(unionRows.contains { $0[6] == "-1" }, "motion proposals are added: \(yoloRows.count) YOLO rows, \(unionRows.prefix(8))")

        let model = scratch + "/m.safetensors"
        let trained = try CLI.run(["train"] + videos + ["--out", model, "--epochs", "1", "--detector", "yolo+motion", "--conf", "0.42",
                                                        "--classes", "person,vehicles"] + yolo + TrainInterruptTests.tiny)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let header = String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: model)).prefix(20_000), as: UTF8.self)
        XCTAssertTrue(header.contains("kind=yolo+motion"), header)
        XCTAssertTrue(header.contains("classes=0,1,2,3,5,7"), header)
        XCTAssertTrue(header.contains("\"teacher_width\":\"80\""), header)
        let scored = try CLI.run(["score", videos[0], "--model", model, "--out", scratch + "/s", "--quiet"])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertFalse(scored.stderr.contains("differ from training"), "score uses the model's detector: \(scored.stderr)")
        let csv = try String(contentsOfFile: scratch + "/s/video0.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 25)

        let bad = try CLI.run(["train"] + videos + ["--out", scratch + "/n.safetensors", "--detector", "yolo+motion", "--classes", "pedestrian"] + yolo)
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("'pedestrian' is not a class index"), bad.stderr)
        let noWeights = try CLI.run(["train"] + videos + ["--out", scratch + "/n.safetensors", "--detector", "yolo+motion"])
        XCTAssertNotEqual(noWeights.status, 0)
        XCTAssertTrue(noWeights.stderr.contains("--detector yolo+motion needs --cfg and --weights"), noWeights.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/n.safetensors"))
    }
}
