import Foundation
import TestScratch
import XCTest

/// `ssmtl plant` end to end: the planted copies score and evaluate like any dataset (the criterion's whole path).
final class PlantCommandTests: XCTestCase {
    func testPlantedVideosScoreAndEvaluate() throws {
        let scratch = try makeScratchFolder("ssmtl-plant")
        let (model, _) = try TrainInterruptTests.trainTinyModel(in: scratch)
        let held = try TinyScene.makeVideos(in: scratch + "/held", count: 2, frames: 60)
        let planted = scratch + "/planted"
        let plant = try CLI.run(["plant"] + held + ["--out", planted, "--variants", "2", "--quiet"])
        XCTAssertEqual(plant.status, 0, plant.stderr)
        XCTAssertTrue(plant.stdout.hasPrefix("plant: 4 planted videos, 240 frames"), plant.stdout)

        let scores = scratch + "/scores", report = scratch + "/planted.json"
        let score = try CLI.run(["score", planted + "/frames", "--model", model, "--out", scores, "--quiet"])
        XCTAssertEqual(score.status, 0, score.stderr)
        let eval = try CLI.run(["eval", "--scores", scores, "--gt", planted + "/gt", "--dataset", "generic", "--json", report, "--quiet"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
        let micro = try XCTUnwrap(json["microAUC"] as? Double)
        XCTAssertTrue((0...1).contains(micro))
        let columns = (json["columnAUCs"] as? [[String: Any]] ?? []).compactMap { $0["column"] as? String }
        XCTAssertTrue(columns.contains("aot") && columns.contains("app"), "each head's planted AUC: \(columns)")
        XCTAssertNotNil(json["rbdc"] as? Double, "the tracks give RBDC and TBDC")

        // OUT is never overwritten: a one-line error naming it, a non-zero exit.
        let again = try CLI.run(["plant"] + held + ["--out", planted, "--quiet"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertEqual(again.stderrLines.count, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains(planted) && again.stderr.contains("already exists"), again.stderr)
        let missing = try CLI.run(["plant", scratch + "/nowhere", "--out", scratch + "/x"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nowhere"), missing.stderr)
        XCTAssertEqual(try CLI.run(["plant"] + held + ["--out", scratch + "/y", "--variants", "0"]).status, 64)
        let noObjects = try CLI.run(["plant"] + held + ["--out", scratch + "/z", "--objects", scratch + "/no-objects"])
        XCTAssertNotEqual(noObjects.status, 0)
        XCTAssertEqual(noObjects.stderrLines.count, 1, noObjects.stderr)
        XCTAssertTrue(noObjects.stderr.contains("no-objects: is not a folder"), noObjects.stderr)
        for name in ["x", "y", "z"] { XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/" + name), name) }
    }
}
