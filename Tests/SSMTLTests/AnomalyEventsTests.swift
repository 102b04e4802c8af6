import Evaluation
import Foundation
import XCTest
@testable import SSMTL
import NeuralNet

/// Events from frame scores, and the event threshold set on normal frames.
final class AnomalyEventsTests: XCTestCase {
    private let t = 1.0   // threshold in these cases

    func testRunsAboveTheThresholdJoinedAcrossShortGapsAndShortOnesDropped() {
        //             0    1    2    3    4    5    6    7    8    9   10   11   12   13   14   15
        let scores = [0.0, 2.0, 2.0, 0.5, 2.0, 2.0, 0.0, 0.0, 0.0, 3.0, 1.0, 3.0, 3.0, 3.0, 0.0, 5.0]
        // Runs: 1-2, 4-5, 9, 11-13, 15 (a score equal to the threshold is not above it).
        XCTAssertEqual(AnomalyEvents.ranges(scores, rules: EventRules(threshold: t, minimumGap: 0, minimumFrames: 1)),
                       [1...2, 4...5, 9...9, 11...13, 15...15])
        // Gap 1 (frame 3, frame 10, frame 14) < 2: joined; gap 3 (6-8) is not.
        XCTAssertEqual(AnomalyEvents.ranges(scores, rules: EventRules(threshold: t, minimumGap: 2, minimumFrames: 1)),
                       [1...5, 9...15])
        // A gap of exactly minimumGap frames is not joined.
        XCTAssertEqual(AnomalyEvents.ranges(scores, rules: EventRules(threshold: t, minimumGap: 3, minimumFrames: 1)),
                       [1...5, 9...15])
        XCTAssertEqual(AnomalyEvents.ranges(scores, rules: EventRules(threshold: t, minimumGap: 4, minimumFrames: 1)),
                       [1...15])
        // Length counts the joined gaps; shorter events go.
        XCTAssertEqual(AnomalyEvents.ranges(scores, rules: EventRules(threshold: t, minimumGap: 0, minimumFrames: 3)), [11...13])
        XCTAssertEqual(AnomalyEvents.ranges(scores, rules: EventRules(threshold: t, minimumGap: 2, minimumFrames: 6)), [9...15])
        XCTAssertEqual(AnomalyEvents.ranges([], rules: EventRules(threshold: t)), [])
        XCTAssertEqual(AnomalyEvents.ranges([.nan, 2, .nan], rules: EventRules(threshold: t, minimumGap: 0, minimumFrames: 1)), [1...1])
        XCTAssertEqual(AnomalyEvents.ranges([2, 2, 2], rules: EventRules(threshold: t, minimumGap: 0, minimumFrames: 1)), [0...2])
    }

    func testEventsRankedByPeakWithTimesMeanAndTheBoxOfThePeakFrame() {
        let scores = [0.0, 2.0, 4.0, 4.0, 0.0, 0.0, 0.0, 6.0, 1.5, 0.0]
        let times = scores.indices.map { 10 + Double($0) * 0.04 }
        let box = PixelBox(x1: 3, y1: 4, x2: 30, y2: 40)
        var boxes: [PixelBox?] = Array(repeating: nil, count: scores.count)
        boxes[2] = box
        let events = AnomalyEvents.find(scores: scores, timestamps: times, peakBoxes: boxes,
                                        rules: EventRules(threshold: t, minimumGap: 0, minimumFrames: 2))
        XCTAssertEqual(events.count, 2)
        XCTAssertEqual(events[0], AnomalyEvent(startFrame: 7, endFrame: 8, peakFrame: 7, peakScore: 6, meanScore: 3.75,
                                               startTime: times[7], endTime: times[8], peakTime: times[7], peakBox: nil))
        XCTAssertEqual(events[1], AnomalyEvent(startFrame: 1, endFrame: 3, peakFrame: 2, peakScore: 4, meanScore: 10.0 / 3,
                                               startTime: times[1], endTime: times[3], peakTime: times[2], peakBox: box),
                       "the first of two equal peaks")
        XCTAssertEqual(AnomalyEvents.csv(events), """
            rank,start_frame,end_frame,start_time,end_time,peak_frame,peak_time,peak_score,mean_score,x_min,y_min,x_max,y_max
            1,7,8,10.280,10.320,7,10.280,6,3.75,,,,
            2,1,3,10.040,10.120,2,10.080,4,3.33333,3,4,30,40

            """)
        // Equal peaks: the earlier event first.
        let tied = AnomalyEvents.find(scores: [3, 3, 0, 3, 3], timestamps: [0, 1, 2, 3, 4], peakBoxes: [nil, nil, nil, nil, nil],
                                      rules: EventRules(threshold: t, minimumGap: 0, minimumFrames: 1))
        XCTAssertEqual(tied.map(\.startFrame), [0, 3])
        XCTAssertEqual(AnomalyEvents.csv([]), EventFileFormat.header + "\n")
    }

    /// The threshold lets through at most the given share of the pooled normal frames, smoothed video by video.
    func testThresholdIsTheScoreTheGivenShareOfNormalFramesExceed() throws {
        let a = (0..<300).map { Double(($0 * 37) % 101) / 10 }, b = (0..<100).map { Double(($0 * 53) % 97) / 7 }
        let normal = NormalFrameScores(videos: [a, b], names: ["a", "b"])
        for percent in [0.0, 0.5, 1, 5, 50] {
            for sigma in [0.0, 3] {
                let pooled = smoothFrameScores(a, sigma: sigma) + smoothFrameScores(b, sigma: sigma)
                let threshold = try XCTUnwrap(normal.threshold(falseAlarmPercent: percent, sigma: sigma))
                let allowed = Int(percent / 100 * 400)
                XCTAssertLessThanOrEqual(pooled.filter { $0 > threshold }.count, allowed, "\(percent) % σ \(sigma)")
                // The smallest such score: the frames at or above it are more than allowed.
                XCTAssertGreaterThan(pooled.filter { $0 >= threshold }.count, allowed, "\(percent) % σ \(sigma)")
                XCTAssertTrue(pooled.contains(threshold))
            }
        }
        XCTAssertEqual(normal.threshold(falseAlarmPercent: 0, sigma: 0), (a + b).max(), "0 %: the highest normal score")
        XCTAssertNil(NormalFrameScores(videos: [], names: []).threshold(falseAlarmPercent: 1, sigma: 0))
        XCTAssertEqual(normal.description(falseAlarmPercent: 0.5), "0.5 % of the 400 normal validation frames (a, b) score above it")
    }

    /// The normal frame scores and the percentage travel in the model's metadata; damaged values are refused.
    func testNormalFrameScoresInTheCheckpointMetadata() throws {
        var info = CheckpointInfo(network: NetworkConfig(variant: .shallowNarrow), teacherWidth: 0, learningRate: 1e-3,
                                  batchSize: 64, seed: 1, epochsPlanned: 1, detector: ["kind": "motion"])
        XCTAssertNil(try CheckpointInfo(metadata: info.metadata, path: "m").normalFrameScores, "older models have none")
        info.normalFrameScores = NormalFrameScores(videos: [[0.25, 1.5, 2e-5], [3]], names: ["09:x;y", "15"])
        info.falseAlarmPercent = 2
        let read = try CheckpointInfo(metadata: info.metadata, path: "m")
        XCTAssertEqual(read.normalFrameScores?.videos, [[0.25, 1.5, 2e-5], [3]])
        XCTAssertEqual(read.normalFrameScores?.names, ["09_x_y", "15"])
        XCTAssertEqual(read.falseAlarmPercent, 2)
        for (key, value, problem) in [("normal_frame_scores", "a:1,x", "not a finite number"), ("normal_frame_scores", "1,2", "without 'name:'"),
                                      ("normal_frame_scores", "a:", "holds no scores"), ("false_alarm_percent", "60", "0...50")] {
            var m = info.metadata
            m[key] = value
            XCTAssertThrowsError(try CheckpointInfo(metadata: m, path: "m.safetensors"), key) { error in
                XCTAssertTrue("\(error)".contains("m.safetensors") && "\(error)".contains(problem), "\(error)")
            }
        }
    }
}
