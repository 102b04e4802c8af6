import XCTest
import TestScratch
@testable import Evaluation

/// `scoredOnly`: ground-truth videos without a score file are left out of every metric, and named like score files.
final class PartialEvaluationTests: XCTestCase {
    /// Generic layout: a (4 frames, track in frames 1-2), b (5 frames, track in frames 2-3), c (3 frames, track in
    /// frames 0-1). Only a and c are scored; b's regions file (without b.csv) must not count either.
    private func writeThreeVideos(gtVideos: [String], root: String) throws {
        let labels = ["a": "0\n1\n1\n0\n", "b": "0\n0\n1\n1\n0\n", "c": "1\n1\n0\n"]
        let tracks = ["a": "0,1,0,0,9,9\n0,2,0,0,9,9\n", "b": "0,2,0,0,9,9\n0,3,0,0,9,9\n", "c": "0,0,20,20,29,29\n0,1,20,20,29,29\n"]
        for video in gtVideos {
            try EvalPaths.write(labels[video]!, to: root + "/gt/\(video).txt")
            try EvalPaths.write(tracks[video]!, to: root + "/gt/tracks/\(video).txt")
        }
        try EvalPaths.write("frame,score\n0,0.1\n1,0.8\n2,0.6\n3,0.3\n", to: root + "/scores/a.csv")
        try EvalPaths.write("frame,score\n0,0.7\n1,0.15\n2,0.2\n", to: root + "/scores/c.csv")
        try EvalPaths.write("1,0,0,9,9,0.9\n2,50,50,59,59,0.8\n", to: root + "/scores/a.regions.txt")
        try EvalPaths.write("0,20,20,29,29,0.7\n1,20,20,29,29,0.4\n", to: root + "/scores/c.regions.txt")
        try EvalPaths.write("2,0,0,9,9,0.95\n", to: root + "/scores/b.regions.txt")
    }

    private func evaluate(_ root: String, scoredOnly: Bool, padding: MacroPadding = .off) throws -> EvaluationReport {
        let set = try GroundTruthLoader.load(path: root + "/gt", dataset: .auto, deriveRegions: true)
        return try Evaluator.evaluate(scoresDirectory: root + "/scores", groundTruth: set, groundTruthPath: root + "/gt",
                                      padding: padding, scoredOnly: scoredOnly).report
    }

    func testPartialEvaluationEqualsGroundTruthOfTheScoredVideosOnly() throws {
        let full = try makeScratchFolder("ssmtl-eval-tests"), only = try makeScratchFolder("ssmtl-eval-tests")
        try writeThreeVideos(gtVideos: ["a", "b", "c"], root: full)
        try writeThreeVideos(gtVideos: ["a", "c"], root: only)
        let partial = try evaluate(full, scoredOnly: true)
        let reference = try evaluate(only, scoredOnly: false)

        // By hand: anomalous {0.8, 0.6, 0.7, 0.15} against normal {0.1, 0.3, 0.2}: 3 + 3 + 3 + 1 of 12.
        XCTAssertEqual(partial.microAUC!, 10.0 / 12, accuracy: 1e-12)
        // a ranks perfectly (1), c has 0.7 above 0.2 and 0.15 below it (0.5).
        XCTAssertEqual(partial.macroAUC!, 0.75, accuracy: 1e-12)
        // 7 frames, 4 regions, 2 tracks. By score: 0.9 hit (RBDR 1/4, TBDR 1/2), 0.8 FP (FPR 1/7), 0.7 and 0.4 hits
        // (RBDR 3/4, TBDR 1). RBDC = (1/7)(1/4) + (6/7)(3/4) = 19/28; TBDC = (1/7)(1/2) + 6/7 = 13/14.
        XCTAssertEqual(partial.rbdc!, 19.0 / 28, accuracy: 1e-12)
        XCTAssertEqual(partial.tbdc!, 13.0 / 14, accuracy: 1e-12)
        XCTAssertEqual(partial.frames, 7)
        XCTAssertEqual(partial.groundTruthRegions, 4)
        XCTAssertEqual(partial.groundTruthTracks, 2)
        XCTAssertEqual(partial.regionPredictions, 4)

        XCTAssertEqual(partial.microAUC!, reference.microAUC!, accuracy: 1e-12)
        XCTAssertEqual(partial.macroAUC!, reference.macroAUC!, accuracy: 1e-12)
        XCTAssertEqual(partial.rbdc!, reference.rbdc!, accuracy: 1e-12)
        XCTAssertEqual(partial.tbdc!, reference.tbdc!, accuracy: 1e-12)
        XCTAssertEqual(partial.videos.map(\.name), reference.videos.map(\.name))
        XCTAssertEqual(partial.videos.map(\.auc), reference.videos.map(\.auc))
        XCTAssertEqual(partial.videos.map(\.microAUCWithout), reference.videos.map(\.microAUCWithout))

        XCTAssertEqual(partial.leftOutVideos, ["b"])
        XCTAssertEqual(reference.leftOutVideos, [])
        XCTAssertEqual(partial.notes.first, "evaluated the 2 of the 3 ground-truth videos that have a score file; left out 1 without one: b")
    }

    func testMissingScoreFilesAreRefusedWithoutScoredOnly() throws {
        let root = try makeScratchFolder("ssmtl-eval-tests")
        try writeThreeVideos(gtVideos: ["a", "b", "c"], root: root)
        assertEvaluationError("scores: no score file for 1 of the 3 ground-truth videos: b; --scored-only evaluates only the videos that have one") {
            _ = try evaluate(root, scoredOnly: false)
        }
    }

    func testNoScoredVideoIsStillAnError() throws {
        let root = try makeScratchFolder("ssmtl-eval-tests")
        try writeThreeVideos(gtVideos: ["a", "b", "c"], root: root)
        for video in ["a", "c"] { try FileManager.default.removeItem(atPath: root + "/scores/\(video).csv") }
        assertEvaluationError("scores: no <video>.csv score files") { _ = try evaluate(root, scoredOnly: true) }
    }

    /// Avenue from the MAT fixture (4 frames, labels 0,1,1,1; regions from its masks) copied as 1, 2, 3 and 11:
    /// videos are named 01, 02, 03, 11 everywhere, never N_label; the ground-truth field keeps the file path.
    private func writeAvenue(numbers: [Int], root: String) throws {
        let fixture = EvalPaths.fixture("mat/cell_compressed.mat")
        try FileManager.default.createDirectory(atPath: root + "/testing_label_mask", withIntermediateDirectories: true)
        for n in numbers { try FileManager.default.copyItem(atPath: fixture, toPath: root + "/testing_label_mask/\(n)_label.mat") }
        try EvalPaths.write("frame,score\n0,0.1\n1,0.9\n2,0.2\n3,0.8\n", to: root + "/scores/02.csv")
        try EvalPaths.write("frame,score\n0,0.5\n1,0.3\n2,0.6\n3,0.7\n", to: root + "/scores/11.csv")
        // Frame 1's region is columns 3-4, rows 1-2; frame 2 has it at columns 4-5 and a dot at (0, 4).
        try EvalPaths.write("1,3,1,4,2,0.9\n2,0,0,1,1,0.6\n", to: root + "/scores/02.regions.txt")
        try EvalPaths.write("2,4,1,5,2,0.8\n3,0,4,0,4,0.3\n", to: root + "/scores/11.regions.txt")
    }

    func testAvenueVideosAreNamedLikeScoreFiles() throws {
        let full = try makeScratchFolder("ssmtl-eval-tests"), only = try makeScratchFolder("ssmtl-eval-tests")
        try writeAvenue(numbers: [1, 2, 3, 11], root: full)
        try writeAvenue(numbers: [2, 11], root: only)
        let fullSet = try GroundTruthLoader.load(path: full, dataset: .auto, deriveRegions: true)
        XCTAssertEqual(fullSet.dataset, .avenue)
        assertEvaluationError("no score file for 2 of the 4 ground-truth videos: 01 and 03; --scored-only") {
            _ = try Evaluator.evaluate(scoresDirectory: full + "/scores", groundTruth: fullSet, groundTruthPath: full, padding: .on)
        }
        XCTAssertThrowsError(try Evaluator.evaluate(scoresDirectory: full + "/scores", groundTruth: fullSet, groundTruthPath: full,
                                                    padding: .on)) { XCTAssertFalse(String(describing: $0).contains("_label"), "\($0)") }

        let partial = try Evaluator.evaluate(scoresDirectory: full + "/scores", groundTruth: fullSet, groundTruthPath: full,
                                             padding: .on, scoredOnly: true).report
        let onlySet = try GroundTruthLoader.load(path: only, dataset: .auto, deriveRegions: true)
        let reference = try Evaluator.evaluate(scoresDirectory: only + "/scores", groundTruth: onlySet, groundTruthPath: only,
                                               padding: .on).report
        XCTAssertEqual(partial.leftOutVideos, ["01", "03"])
        XCTAssertEqual(partial.videos.map(\.name), ["02", "11"])
        XCTAssertEqual(partial.videos.map(\.groundTruth), ["02", "11"].map { full + "/testing_label_mask/\(Int($0)!)_label.mat" })
        XCTAssertTrue(partial.notes[0].hasSuffix("left out 2 without one: 01 and 03"), partial.notes[0])
        XCTAssertFalse(partial.notes.joined().contains("_label"))
        XCTAssertEqual(partial.groundTruthRegions, 2 * 4)
        XCTAssertEqual(partial.frames, 2 * 4)
        XCTAssertEqual(partial.microAUC!, reference.microAUC!, accuracy: 1e-12)
        XCTAssertEqual(partial.macroAUC!, reference.macroAUC!, accuracy: 1e-12)
        XCTAssertEqual(partial.rbdc!, reference.rbdc!, accuracy: 1e-12)
        XCTAssertEqual(partial.tbdc!, reference.tbdc!, accuracy: 1e-12)
        XCTAssertGreaterThan(partial.rbdc!, 0)
    }

    func testPed2VideosAreNamedLikeScoreFiles() throws {
        let root = try makeScratchFolder("ssmtl-eval-tests")
        try EvalPaths.write(String(repeating: "TestVideoFile{end+1}.gt_frame = [2:3];\n", count: 3), to: root + "/gt/UCSDped2.m")
        try EvalPaths.write("frame,score\n0,0.1\n1,0.9\n2,0.8\n3,0.2\n", to: root + "/scores/02.csv")
        let set = try GroundTruthLoader.load(path: root + "/gt", dataset: .auto, deriveRegions: false)
        XCTAssertEqual(set.videos.map { set.scoreFileName($0.name) }, ["01", "02", "03"])
        assertEvaluationError("no score file for 2 of the 3 ground-truth videos: 01 and 03;") {
            _ = try Evaluator.evaluate(scoresDirectory: root + "/scores", groundTruth: set, groundTruthPath: root, padding: .off)
        }
        let r = try Evaluator.evaluate(scoresDirectory: root + "/scores", groundTruth: set, groundTruthPath: root,
                                       padding: .off, scoredOnly: true).report
        XCTAssertEqual(r.videos.map(\.name), ["02"])
        XCTAssertEqual(r.leftOutVideos, ["01", "03"])
        XCTAssertEqual(r.videos[0].auc!, 1, accuracy: 1e-12)
    }

    func testNameListsStayOnOneShortLine() {
        XCTAssertEqual(nameList(["01"]), "01")
        XCTAssertEqual(nameList(["01", "02"]), "01 and 02")
        XCTAssertEqual(nameList(["01", "02", "03", "04", "05"]), "01, 02, 03, 04 and 05")
        XCTAssertEqual(nameList((1...7).map { String(format: "%02d", $0) }), "01, 02, 03, 04, 05 and 2 more")
    }

    /// The real Ped2 ground truth with two videos scored (frame labels only: quick).
    func testRealPed2WithTwoVideosScored() throws {
        let gt = try EvalPaths.dataset("ped2/gt")
        let root = try makeScratchFolder("ssmtl-eval-tests")
        for (video, frames) in [("01", 180), ("03", 150)] {
            let rows = (0..<frames).map { "\($0),\(Double($0 % 7) / 7)" }.joined(separator: "\n")
            try EvalPaths.write("frame,score\n" + rows + "\n", to: root + "/scores/\(video).csv")
        }
        let set = try GroundTruthLoader.load(path: gt, dataset: .auto, deriveRegions: false)
        let r = try Evaluator.evaluate(scoresDirectory: root + "/scores", groundTruth: set, groundTruthPath: gt,
                                       padding: .on, scoredOnly: true).report
        XCTAssertEqual(r.videos.map(\.name), ["01", "03"])
        XCTAssertEqual(r.frames, 330)
        XCTAssertEqual(r.leftOutVideos, ["02", "04", "05", "06", "07", "08", "09", "10", "11", "12"])
        XCTAssertTrue(r.videos[0].groundTruth.hasSuffix("Test001_gt"), r.videos[0].groundTruth)
    }
}
