import XCTest
import TestScratch
@testable import Evaluation

/// End-to-end checks on a small generic-layout test set written to a scratch folder.
final class EvaluatorTests: XCTestCase {
    private func makeSet() throws -> (gt: String, scores: String) {
        let root = try makeScratchFolder("ssmtl-eval-tests")
        try EvalPaths.write("0\n1\n1\n0\n", to: root + "/gt/a.txt")
        try EvalPaths.write("0 0 1\n", to: root + "/gt/b.txt")
        try EvalPaths.write("0,0,2,2,4,4\n0,1,2,2,4,4\n", to: root + "/gt/tracks/a.txt")
        try EvalPaths.write("frame,score,aot,mi,mb,kd\n0,0.1,0,0,0,0\n1,0.8,0,0,0,0\n2,0.7,0,0,0,0\n3,0.2,0,0,0,0\n", to: root + "/scores/a.csv")
        try EvalPaths.write("frame,score\n2,0.9\n0,0.3\n1,0.4\n", to: root + "/scores/b.csv")
        return (root + "/gt", root + "/scores")
    }

    func testGenericLayoutEndToEnd() throws {
        let (gt, scores) = try makeSet()
        try EvalPaths.write("1,2,2,4,4,0.9\n2,2,2,4,4,0.8\n3,9,9,9,9,0.1\n", to: scores + "/a.regions.txt")
        // The per-object table of `score --object-heads` sits beside the score files and is not one of them.
        try EvalPaths.write("frame,x_min,y_min,x_max,y_max,score,aot,mi,mb,kd\n1,2,2,4,4,0.9,0,0,0,0\n", to: scores + "/a.objects.csv")
        // So is the events table of a scores folder written with a threshold.
        try EvalPaths.write("rank,start_frame,end_frame,start_time,end_time,peak_frame,peak_time,peak_score,mean_score,x_min,y_min,x_max,y_max\n"
                            + "1,1,2,0.040,0.080,1,0.040,0.8,0.75,2,2,4,4\n", to: scores + "/a.events.csv")
        let set = try GroundTruthLoader.load(path: gt, dataset: .auto, deriveRegions: Evaluator.hasRegionFiles(scores))
        XCTAssertEqual(set.dataset, .generic)
        XCTAssertEqual(set.regionSource, .trackFiles)
        let outcome = try Evaluator.evaluate(scoresDirectory: scores, groundTruth: set, groundTruthPath: gt, padding: .on)
        let r = outcome.report
        XCTAssertEqual(r.frames, 7)
        XCTAssertEqual(r.anomalousFrames, 3)
        XCTAssertEqual(r.microAUC!, 1, accuracy: 1e-12)
        XCTAssertEqual(r.videos.map(\.auc!), [1, 1])
        // Hit frame 1 (RBDR 1/2, TBDR 1), frame 2 has no GT -> FP (1/7), frame 3 -> FP (2/7); extended to 1.
        XCTAssertEqual(r.rbdc!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.tbdc!, 1, accuracy: 1e-12)
        XCTAssertTrue(r.notes.contains { $0.contains("no .regions.txt") })
    }

    /// Evaluates score files against generic-layout frame labels (`<video>.txt`, one 0/1 per line), padding off.
    private func evaluateFrameLabels(_ labels: [String: String], scores: [String: String]) throws -> EvaluationReport {
        let root = try makeScratchFolder("ssmtl-eval-tests")
        for (video, text) in labels { try EvalPaths.write(text, to: root + "/gt/\(video).txt") }
        for (video, text) in scores { try EvalPaths.write(text, to: root + "/scores/\(video).csv") }
        let set = try GroundTruthLoader.load(path: root + "/gt", dataset: .auto, deriveRegions: false)
        return try Evaluator.evaluate(scoresDirectory: root + "/scores", groundTruth: set, groundTruthPath: root + "/gt", padding: .off).report
    }

    /// Columns besides frame and score that every file has are scored alone (per-head AUCs).
    func testOtherColumnsAreScoredAlone() throws {
        // aot ranks a perfectly; mi reverses it; mb only in a (not shared): left out; app constant: left out.
        let r = try evaluateFrameLabels(["a": "0\n1\n1\n0\n", "b": "0\n0\n1\n"], scores: [
            "a": "frame,score,aot,mi,mb,app\n0,0.1,0.1,0.9,1,0\n1,0.8,0.9,0.1,1,0\n2,0.7,0.8,0.2,1,0\n3,0.2,0.2,0.8,1,0\n",
            "b": "frame,score,mi,aot,app\n0,0.3,0.5,0.3,0\n1,0.4,0.5,0.4,0\n2,0.9,0.5,0.95,0\n"])
        // app is 0 in every frame of both files: it ranks nothing and is left out too.
        XCTAssertEqual(r.columnAUCs.map(\.column), ["aot", "mi"])
        XCTAssertEqual(r.columnAUCs[0].microAUC!, 1, accuracy: 1e-12)
        XCTAssertEqual(r.columnAUCs[0].macroAUC!, 1, accuracy: 1e-12)
        // mi: a is reversed (AUC 0), b is all ties (0.5); micro over the 7 frames: labels 0,1,1,0,0,0,1.
        XCTAssertEqual(r.columnAUCs[1].macroAUC!, 0.25, accuracy: 1e-12)
        // Pairs (anomalous, normal): anomalous {0.1, 0.2, 0.5} vs normal {0.9, 0.8, 0.5, 0.5}: wins 0, ties 2 -> 1/12.
        XCTAssertEqual(r.columnAUCs[1].microAUC!, 1.0 / 12, accuracy: 1e-12)
    }

    /// Each video's "micro AUC of the others": c ranks its own frames perfectly, but its anomalies score below the
    /// normal frames of a and b, so leaving it out lifts the micro AUC from 19/25 to 1.
    func testMicroAUCWithoutEachVideo() throws {
        let r = try evaluateFrameLabels(["a": "0\n1\n1\n0\n", "b": "0\n0\n1\n", "c": "0\n1\n1\n"], scores: [
            "a": "frame,score\n0,0.1\n1,0.8\n2,0.7\n3,0.2\n",
            "b": "frame,score\n0,0.3\n1,0.4\n2,0.9\n",
            "c": "frame,score\n0,0.05\n1,0.15\n2,0.15\n"])
        XCTAssertEqual(r.microAUC!, 19.0 / 25, accuracy: 1e-12)
        XCTAssertEqual(r.videos.map(\.auc!), [1, 1, 1])
        XCTAssertEqual(r.videos.map(\.name), ["a", "b", "c"])
        // Without a: anomalous {0.9, 0.15, 0.15} vs normal {0.3, 0.4, 0.05}: 3 + 1 + 1 of 9.
        XCTAssertEqual(r.videos[0].microAUCWithout!, 5.0 / 9, accuracy: 1e-12)
        // Without b: anomalous {0.8, 0.7, 0.15, 0.15} vs normal {0.1, 0.2, 0.05}: 3 + 3 + 2 + 2 of 12.
        XCTAssertEqual(r.videos[1].microAUCWithout!, 10.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(r.videos[2].microAUCWithout!, 1, accuracy: 1e-12)
    }

    func testLengthMismatchMissingVideoAndNaN() throws {
        let (gt, scores) = try makeSet()
        let set = try GroundTruthLoader.load(path: gt, dataset: .generic, deriveRegions: false)
        try EvalPaths.write("frame,score\n0,0.3\n1,0.4\n", to: scores + "/b.csv")
        assertEvaluationError("b.csv: 2 frame scores, the ground truth") {
            _ = try Evaluator.evaluate(scoresDirectory: scores, groundTruth: set, groundTruthPath: gt, padding: .on)
        }
        try EvalPaths.write("frame,score\n0,0.3\n1,0.4\n2,0.1\n3,0.1\n", to: scores + "/b.csv")
        assertEvaluationError("b.csv: 4 frame scores") {
            _ = try Evaluator.evaluate(scoresDirectory: scores, groundTruth: set, groundTruthPath: gt, padding: .on)
        }
        try EvalPaths.write("frame,score\n0,0.3\n1,nan\n2,0.1\n", to: scores + "/b.csv")
        assertEvaluationError("b.csv: line 3: score of frame 1 is nan") {
            _ = try Evaluator.evaluate(scoresDirectory: scores, groundTruth: set, groundTruthPath: gt, padding: .on)
        }
        try FileManager.default.removeItem(atPath: scores + "/b.csv")
        assertEvaluationError("scores: no score file for 1 of the 2 ground-truth videos: b; --scored-only") {
            _ = try Evaluator.evaluate(scoresDirectory: scores, groundTruth: set, groundTruthPath: gt, padding: .on)
        }
        try EvalPaths.write("frame,score\n0,0.3\n1,0.4\n2,0.1\n", to: scores + "/b.csv")
        try EvalPaths.write("frame,score\n0,0.3\n", to: scores + "/zz.csv")
        assertEvaluationError("zz.csv: no ground truth") {
            _ = try Evaluator.evaluate(scoresDirectory: scores, groundTruth: set, groundTruthPath: gt, padding: .on)
        }
    }
}

final class Ped2LayoutTests: XCTestCase {
    /// UCSDped2.m alone (no TestNNN_gt folders): frame counts come from the score files, padded with normal frames.
    func testFrameRangesWithoutMaskFolders() throws {
        let root = try makeScratchFolder("ssmtl-eval-tests")
        try EvalPaths.write("TestVideoFile{end+1}.gt_frame = [2:3];\nTestVideoFile{end+1}.gt_frame = [1:1, 4:4];\n", to: root + "/gt/UCSDped2.m")
        try EvalPaths.write("frame,score\n0,0.1\n1,0.9\n2,0.8\n3,0.2\n4,0.3\n", to: root + "/scores/01.csv")
        try EvalPaths.write("frame,score\n0,0.9\n1,0.1\n2,0.2\n3,0.8\n", to: root + "/scores/02.csv")
        let set = try GroundTruthLoader.load(path: root, dataset: .auto, deriveRegions: false)
        XCTAssertEqual(set.dataset, .ped2)
        let outcome = try Evaluator.evaluate(scoresDirectory: root + "/scores", groundTruth: set, groundTruthPath: root, padding: .off)
        XCTAssertEqual(outcome.labels, [[0, 1, 1, 0, 0], [1, 0, 0, 1]])
        XCTAssertEqual(outcome.report.videos.map(\.name), ["01", "02"])
        XCTAssertEqual(outcome.report.macroAUC!, 1, accuracy: 1e-12)
        try EvalPaths.write("frame,score\n0,0.9\n1,0.1\n2,0.2\n", to: root + "/scores/02.csv")
        assertEvaluationError("02.csv: 3 frame scores, but the ground truth marks 0-based frame 3 anomalous") {
            _ = try Evaluator.evaluate(scoresDirectory: root + "/scores", groundTruth: set, groundTruthPath: root, padding: .off)
        }
    }
}
