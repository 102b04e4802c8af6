import XCTest
@testable import Evaluation

final class AUCTests: XCTestCase {
    func testMatchesScikitLearnOnRandomCasesWithTies() throws {
        let cases = try EvalPaths.json("auc_cases.json") as! [[String: Any]]
        XCTAssertEqual(cases.count, 60)
        for (k, c) in cases.enumerated() {
            let labels = (c["labels"] as! [Int]).map { UInt8($0) }
            let scores = c["scores"] as! [Double]
            let auc = try XCTUnwrap(rocAUC(labels: labels, scores: scores))
            XCTAssertEqual(auc, c["auc"] as! Double, accuracy: 1e-9, "case \(k)")
            let padded = try XCTUnwrap(rocAUC(labels: [0] + labels + [1], scores: [0] + scores + [1]))
            XCTAssertEqual(padded, c["paddedAUC"] as! Double, accuracy: 1e-9, "case \(k) padded")
        }
    }

    func testHandWorkedTiesAndConstantScores() {
        // Labels 0,1,0,1 with scores 0.5,0.5,0.2,0.9: pairs (pos, neg): (0.5,0.5)=1/2, (0.5,0.2)=1, (0.9,0.5)=1, (0.9,0.2)=1 -> 3.5/4.
        XCTAssertEqual(rocAUC(labels: [0, 1, 0, 1], scores: [0.5, 0.5, 0.2, 0.9])!, 0.875, accuracy: 1e-12)
        XCTAssertEqual(rocAUC(labels: [0, 1, 1, 0, 1], scores: [3, 3, 3, 3, 3])!, 0.5, accuracy: 1e-12)
        XCTAssertNil(rocAUC(labels: [1, 1, 1], scores: [0.1, 0.2, 0.3]))
        XCTAssertNil(rocAUC(labels: [], scores: []))
    }

    func testMicroAndMacroWithPadding() {
        // Video A: all anomalous (like Avenue 8): undefined without padding; with padding,
        // labels 0,1,1,1 scores 0,0.2,0.4,1 -> AUC 1. Video B: labels 0,1 scores 0.9,0.1 -> 0;
        // padded labels 0,0,1,1 scores 0,0.9,0.1,1 -> pairs: (0.1 vs 0)=1,(0.1 vs 0.9)=0,(1 vs 0)=1,(1 vs 0.9)=1 -> 0.75.
        let labels: [[UInt8]] = [[1, 1], [0, 1]]
        let scores: [[Double]] = [[0.2, 0.4], [0.9, 0.1]]
        let on = frameAUCs(labels: labels, scores: scores, padding: .on)
        XCTAssertEqual(on.perVideo[0]!, 1, accuracy: 1e-12)
        XCTAssertEqual(on.perVideo[1]!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(on.macro!, 0.875, accuracy: 1e-12)
        // Micro: labels 1,1,0,1 scores 0.2,0.4,0.9,0.1: the negative 0.9 beats every positive -> 0.
        XCTAssertEqual(on.micro!, 0, accuracy: 1e-12)
        let off = frameAUCs(labels: labels, scores: scores, padding: .off)
        XCTAssertNil(off.perVideo[0])
        XCTAssertEqual(off.perVideo[1]!, 0, accuracy: 1e-12)
        XCTAssertEqual(off.macro!, 0, accuracy: 1e-12)
    }
}
