import XCTest
@testable import Evaluation

final class RegionTrackTests: XCTestCase {
    private func box(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> Box { Box(x1: x1, y1: y1, x2: x2, y2: y2) }
    private func track(_ frames: ClosedRange<Int>, _ b: Box) -> GroundTruthTrack {
        GroundTruthTrack(regions: frames.map { GroundTruthRegion(frame: $0, box: b) })
    }

    func testInclusiveIoU() {
        let gt = box(0, 0, 9, 9)  // 10 x 10 = 100 pixels
        // 5 common columns x 10 rows = 50; union 100 + 100 - 50 = 150.
        XCTAssertEqual(gt.iou(box(5, 0, 14, 9)), 50.0 / 150.0, accuracy: 1e-12)
        // One common pixel: 1 / (100 + 100 - 1).
        XCTAssertEqual(gt.iou(box(9, 9, 18, 18)), 1.0 / 199.0, accuracy: 1e-12)
        XCTAssertEqual(gt.iou(box(10, 0, 19, 9)), 0)
        XCTAssertEqual(gt.iou(gt), 1)
    }

    func testToyTrackFoundPerfectly() {
        // Two videos as in the authors' toy example: one track of frames 0-4 in video 1, predictions on all
        // five boxes plus a low-scored miss; 10 test frames. The five hits come first at FPR 0 (RBDR, TBDR = 1),
        // the miss moves FPR to 0.1, the curve is extended flat to FPR 1: both areas are 1.
        let b = box(10, 10, 20, 20)
        var predictions = (0..<5).map { PredictedRegion(frame: $0, box: b, score: 0.9 - 0.1 * Double($0)) }
        predictions.append(PredictedRegion(frame: 7, box: box(100, 100, 110, 110), score: 0.01))
        let result = regionTrackCriteria(videos: [RegionTrackVideo(tracks: [track(0...4, b)], predictions: predictions),
                                                  RegionTrackVideo(tracks: [], predictions: [])], totalFrames: 10)
        XCTAssertEqual(result.rbdc, 1, accuracy: 1e-12)
        XCTAssertEqual(result.tbdc, 1, accuracy: 1e-12)
        XCTAssertEqual(result.groundTruthRegions, 5)
        XCTAssertEqual(result.groundTruthTracks, 1)
        XCTAssertEqual(result.fpr.last, 1)
    }

    func testFalsePositiveFirstAndPartialOverlap() {
        // 10 frames, one track of 5 regions (frames 0-4, box 0,0,9,9).
        // Sorted: FP (frame 5, no GT) -> FPR 0.1, RBDR 0; hit frame 0 with IoU 1/3 -> RBDR 0.2, TBDR 1 (1/5 >= 0.1);
        // hit frame 1 -> RBDR 0.4; a box touching one pixel (IoU 1/199 < 0.1) in frame 2 -> FP, FPR 0.2.
        // Points (0,0) (0.1,0) (0.1,0.2) (0.1,0.4) (0.2,0.4), extended to (1,0.4):
        // RBDC = 0.9 * 0.4 = 0.36; TBDC = 0.9 * 1 = 0.9.
        let gt = box(0, 0, 9, 9)
        let predictions = [
            PredictedRegion(frame: 5, box: gt, score: 0.9),
            PredictedRegion(frame: 0, box: box(5, 0, 14, 9), score: 0.8),
            PredictedRegion(frame: 1, box: gt, score: 0.7),
            PredictedRegion(frame: 2, box: box(9, 9, 18, 18), score: 0.6),
        ]
        let result = regionTrackCriteria(videos: [RegionTrackVideo(tracks: [track(0...4, gt)], predictions: predictions)], totalFrames: 10)
        XCTAssertEqual(result.rbdc, 0.36, accuracy: 1e-12)
        XCTAssertEqual(result.tbdc, 0.9, accuracy: 1e-12)
    }

    func testSeveralVideosPartialTracksAndRepeatedHits() {
        // Video a: 20 frames, track A = 20 regions (frames 0-19). Video b: 10 frames, track B = 2 regions (frames 3, 4).
        // 30 test frames, 22 GT regions, 2 tracks. Sorted predictions:
        //  0.95 a/0 hit: RBDR 1/22; A has 1/20 = 0.05 < alpha -> TBDR 0
        //  0.90 b/3 hit: RBDR 2/22; B has 1/2 -> TBDR 1/2
        //  0.85 b/3 again: matches an already found region -> neither TP nor FP
        //  0.80 a/1 hit: RBDR 3/22; A has 2/20 = 0.1 >= alpha -> TBDR 1
        //  0.70 a/5 far box -> FP (FPR 1/30); 0.60 b/9 (no GT in frame) -> FP (FPR 2/30)
        // Everything is reached at FPR 0, so RBDC = 3/22 and TBDC = 1.
        let a = box(0, 0, 9, 9), b = box(50, 50, 59, 59)
        let videoA = RegionTrackVideo(tracks: [track(0...19, a)], predictions: [
            PredictedRegion(frame: 0, box: a, score: 0.95), PredictedRegion(frame: 1, box: a, score: 0.8),
            PredictedRegion(frame: 5, box: box(100, 100, 110, 110), score: 0.7)])
        let videoB = RegionTrackVideo(tracks: [track(3...4, b)], predictions: [
            PredictedRegion(frame: 3, box: b, score: 0.9), PredictedRegion(frame: 3, box: b, score: 0.85),
            PredictedRegion(frame: 9, box: b, score: 0.6)])
        let result = regionTrackCriteria(videos: [videoA, videoB], totalFrames: 30)
        XCTAssertEqual(result.rbdc, 3.0 / 22.0, accuracy: 1e-12)
        XCTAssertEqual(result.tbdc, 1, accuracy: 1e-12)
        XCTAssertEqual(result.fpr, [0, 0, 0, 0, 0, 1.0 / 30, 2.0 / 30, 1])

        // The same predictions with the a/1 hit demoted below both false positives:
        // ... 0.70 FP (1/30), 0.60 FP (2/30), then a/1 hit at FPR 2/30 -> TBDR 1.
        // TBDR is 1/2 on [0, 2/30] and 1 on [2/30, 1]: TBDC = 1/30 + 28/30 = 29/30.
        // RBDR is 2/22 on [0, 2/30] and 3/22 after: RBDC = (2/22)(2/30) + (3/22)(28/30).
        var demoted = videoA
        demoted.predictions[1].score = 0.5
        let second = regionTrackCriteria(videos: [demoted, videoB], totalFrames: 30)
        XCTAssertEqual(second.tbdc, 29.0 / 30.0, accuracy: 1e-12)
        XCTAssertEqual(second.rbdc, (2.0 / 22) * (2.0 / 30) + (3.0 / 22) * (28.0 / 30), accuracy: 1e-12)
    }

    func testTruncationAtFPROne() {
        // 2 test frames, one region in frame 0. FP 0.9 (FPR 0.5), hit 0.8 (RBDR 1), FP 0.7 (FPR 1), FP 0.6 (FPR 1.5, dropped).
        // Points (0,0) (0.5,0) (0.5,1) (1,1): area 0.5, no extension needed.
        let g = box(0, 0, 4, 4)
        let predictions = [PredictedRegion(frame: 1, box: g, score: 0.9), PredictedRegion(frame: 0, box: g, score: 0.8),
                           PredictedRegion(frame: 1, box: g, score: 0.7), PredictedRegion(frame: 1, box: g, score: 0.6)]
        let r = regionTrackCriteria(videos: [RegionTrackVideo(tracks: [track(0...0, g)], predictions: predictions)], totalFrames: 2)
        XCTAssertEqual(r.rbdc, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.tbdc, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.fpr, [0, 0.5, 0.5, 1])
    }

    func testOnePredictionFindsTwoRegions() {
        // Two tracks overlapping in frame 0; one wide prediction has IoU >= 0.1 with both: TP += 2 at once.
        // Box 0,0,9,9 vs 0,0,19,9: 100/200 = 0.5; box 10,0,19,9 vs 0,0,19,9: 0.5. RBDC = TBDC = 1.
        let r = regionTrackCriteria(videos: [RegionTrackVideo(
            tracks: [track(0...0, box(0, 0, 9, 9)), track(0...0, box(10, 0, 19, 9))],
            predictions: [PredictedRegion(frame: 0, box: box(0, 0, 19, 9), score: 1)])], totalFrames: 4)
        XCTAssertEqual(r.rbdr, [0, 1, 1])
        XCTAssertEqual(r.rbdc, 1, accuracy: 1e-12)
        XCTAssertEqual(r.tbdc, 1, accuracy: 1e-12)
    }

    func testNoPredictionsGivesZero() {
        let r = regionTrackCriteria(videos: [RegionTrackVideo(tracks: [track(0...1, box(0, 0, 1, 1))], predictions: [])], totalFrames: 5)
        XCTAssertEqual(r.rbdc, 0)
        XCTAssertEqual(r.fpr, [0, 1])
    }
}
