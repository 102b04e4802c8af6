import Foundation
import XCTest
import Detection
import TestScratch
import VideoIO
@testable import SSMTL

/// `ScoringRun`, scoring as a Swift program calls it: outputs per video, skipping what is done, a failing video among
/// good ones, cancellation, and the detector the model was trained with.
final class ScoringRunTests: XCTestCase {
    /// A tiny model trained on two `TinyScene` videos (with `change` applied to the options), and the videos.
    private func tinyModel(_ scratch: String, change: (inout TrainingOptions) -> Void = { _ in }) throws -> (model: String, videos: [String]) {
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        var options = TrainingRunTests.tinyOptions(epochs: 1, studentEpochs: 1)
        change(&options)
        try TrainingRunTests.train(videos, to: scratch + "/m.safetensors", options)
        return (scratch + "/m.safetensors", videos)
    }

    private func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Each video gets a frame-score file with a row per frame and a regions file; a second run skips them; `rescore`
    /// writes the same bytes again (scores are deterministic).
    func testOutputsAreWrittenSkippedAndRewrittenAlike() throws {
        let scratch = try makeScratchFolder("ssmtl-scoring")
        let (model, videos) = try tinyModel(scratch)
        let scoring = try ScoringRun(modelPath: model)
        let options = ScoringOptions(outputFolder: scratch + "/scores")
        var events: [ScoringEvent] = []
        let first = try scoring.score(try discoverVideos(videos), options: options) { events.append($0) }
        XCTAssertEqual(first.scored, 2)
        XCTAssertEqual(first.frames, 48)
        XCTAssertTrue(events.contains { if case .videoFinished(let name, 24, _) = $0 { name == "video1" } else { false } })
        let csv = try String(contentsOfFile: scratch + "/scores/video0.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "frame,score,aot,mi,mb,kd,app")
        XCTAssertEqual(csv.count, 25)
        let written = contents(scratch + "/scores/video0.csv"), regions = contents(scratch + "/scores/video0.regions.txt")
        XCTAssertGreaterThan(regions?.count ?? 0, 0)

        let again = try scoring.score(try discoverVideos(videos), options: options)
        XCTAssertEqual(again.scored, 0)
        XCTAssertEqual(again.skipped, 2)
        var rescore = options
        rescore.rescore = true
        try FileManager.default.removeItem(atPath: scratch + "/scores/video0.csv")
        XCTAssertEqual(try scoring.score(try discoverVideos([videos[0]]), options: rescore).scored, 1)
        XCTAssertEqual(contents(scratch + "/scores/video0.csv"), written)
        XCTAssertEqual(contents(scratch + "/scores/video0.regions.txt"), regions)
    }

    /// A file that is not a video, between two good ones: it is reported and has no output; the others are scored.
    func testAFailingVideoDoesNotStopTheOthers() throws {
        let scratch = try makeScratchFolder("ssmtl-scoring")
        let (model, videos) = try tinyModel(scratch)
        let batch = scratch + "/batch"
        try FileManager.default.createDirectory(atPath: batch, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: videos[0], toPath: batch + "/a")
        try Data("this is not a video".utf8).write(to: URL(fileURLWithPath: batch + "/b.mp4"))
        try FileManager.default.copyItem(atPath: videos[1], toPath: batch + "/c")
        var failures: [String] = []
        let summary = try ScoringRun(modelPath: model).score(try discoverVideos([batch]), options: ScoringOptions(outputFolder: scratch + "/s")) {
            if case .videoFailed(let name, let error) = $0 { failures.append("\(name): \(error)") }
        }
        XCTAssertEqual(summary.failed, ["b"])
        XCTAssertEqual(summary.scored, 2)
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures[0].contains("b.mp4"), failures[0])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch + "/s").sorted(),
                       ["a.csv", "a.regions.txt", "c.csv", "c.regions.txt"])
    }

    /// Cancelled in the second video: the first keeps its outputs, the second has none, and no temporary is left.
    func testCancellationLeavesNoPartialOutput() throws {
        let scratch = try makeScratchFolder("ssmtl-scoring")
        let (model, videos) = try tinyModel(scratch)
        var cancel = false
        var options = ScoringOptions(outputFolder: scratch + "/s")
        options.objectTables = true
        options.batchSize = 2
        XCTAssertThrowsError(try ScoringRun(modelPath: model).score(try discoverVideos(videos), options: options, events: {
            if case .videoStarted(let name, _) = $0, name == "video1" { cancel = true }
        }, isCancelled: { cancel })) { error in
            XCTAssertEqual((error as? ScoringCancelled)?.video, "video1", "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch + "/s").sorted(),
                       ["video0.csv", "video0.objects.csv", "video0.regions.txt"])
    }

    /// Scoring uses the detector settings the model recorded: a model trained with a margin of 7 scores with 7, the
    /// same boxes as when 7 is given; another margin is used when given, with a warning.
    func testTheModelsDetectorIsUsed() throws {
        let scratch = try makeScratchFolder("ssmtl-scoring")
        let (model, videos) = try tinyModel(scratch) { $0.detector.motion.margin = 7 }
        let scoring = try ScoringRun(modelPath: model)
        XCTAssertEqual(scoring.detectorSettings.motion.margin, 7)
        XCTAssertEqual(scoring.detectorSettings.record, scoring.info.detector)
        var warnings: [String] = []
        _ = try scoring.score(try discoverVideos([videos[0]]), options: ScoringOptions(outputFolder: scratch + "/own")) {
            if case .warning(let text) = $0 { warnings.append(text) }
        }
        XCTAssertEqual(warnings, [])
        let own = try String(contentsOfFile: scratch + "/own/video0.regions.txt", encoding: .utf8)
        scoring.detectorSettings.motion.margin = 4
        _ = try scoring.score(try discoverVideos([videos[0]]), options: ScoringOptions(outputFolder: scratch + "/other")) {
            if case .warning(let text) = $0 { warnings.append(text) }
        }
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("detector settings differ from training") ?? false, "\(warnings)")
        let other = try String(contentsOfFile: scratch + "/other/video0.regions.txt", encoding: .utf8)
        XCTAssertNotEqual(own, other, "the margin changes the boxes")
        // The model's margin (7) makes larger boxes than 4.
        func area(_ text: String) -> Int {
            var total = 0
            for line in text.split(separator: "\n") {
                let v: [Int] = line.split(separator: ",").prefix(5).map { Int($0) ?? 0 }
                total += (v[3] - v[1] + 1) * (v[4] - v[2] + 1)
            }
            return total
        }
        XCTAssertGreaterThan(area(own), area(other))
    }
}
