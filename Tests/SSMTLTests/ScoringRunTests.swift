import Evaluation
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
                       ["a.csv", "a.events.csv", "a.regions.txt", "c.csv", "c.events.csv", "c.regions.txt", "events.json"])
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
                       ["events.json", "video0.csv", "video0.events.csv", "video0.objects.csv", "video0.regions.txt"])
    }

    /// The model carries its normal validation frames' scores; the threshold is the score that the model's share of
    /// them exceeds at the σ in use, events.csv holds the events of the frame scores written, the peak box is the
    /// highest region of the peak frame; --threshold and the share override it; a changed threshold with videos
    /// skipped is a warning; `writeNpy` adds the scores as float32.
    func testEventsFollowTheThresholdSetOnTheModelsNormalFrames() throws {
        let scratch = try makeScratchFolder("ssmtl-scoring")
        let (model, videos) = try tinyModel(scratch)
        let scoring = try ScoringRun(modelPath: model)
        let normal = try XCTUnwrap(scoring.info.normalFrameScores, "train scores its validation video's frames")
        XCTAssertEqual(normal.frameCount, 24)
        XCTAssertEqual(scoring.info.falseAlarmPercent, 0.5)

        var options = ScoringOptions(outputFolder: scratch + "/s")
        options.sigma = 2
        options.writeNpy = true
        options.minimumEventGap = 0
        options.minimumEventFrames = 1
        var thresholds: [Double?] = []
        _ = try scoring.score(try discoverVideos(videos), options: options) {
            if case .threshold(let value, _) = $0 { thresholds.append(value) }
        }
        let expected = try XCTUnwrap(normal.threshold(falseAlarmPercent: 0.5, sigma: 2))
        XCTAssertEqual(thresholds, [expected])
        let settings = try EventSettings.read(path: scratch + "/s/events.json")
        XCTAssertEqual(settings.threshold, expected)
        XCTAssertEqual(settings.sigma, 2)
        XCTAssertTrue(settings.thresholdSource.contains("0.5 % of the 24 normal validation frames"), settings.thresholdSource)
        for name in ["video0", "video1"] {
            let rows = try String(contentsOfFile: scratch + "/s/\(name).csv", encoding: .utf8).split(separator: "\n").dropFirst()
            let scores = rows.map { Double($0.split(separator: ",")[1])! }
            let regions = try String(contentsOfFile: scratch + "/s/\(name).regions.txt", encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",").map { Double($0)! } }
            let eventRows = try String(contentsOfFile: scratch + "/s/\(name).events.csv", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(String(eventRows[0]), EventFileFormat.header)
            // The events are the runs of frames above the threshold. The CSV holds 6 significant digits and the
            // threshold is the validation frames' own largest score, so a frame within that rounding of it can fall
            // either way; every other frame must be where the threshold puts it.
            let margin = 1e-5 * abs(expected)
            let clearlyAbove = Set(scores.indices.filter { scores[$0] > expected + margin })
            let clearlyBelow = Set(scores.indices.filter { scores[$0] < expected - margin })
            var inEvents = Set<Int>()
            var peaks: [Double] = []
            for line in eventRows.dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                let (start, end, peak) = (Int(f[1])!, Int(f[2])!, Int(f[5])!)
                inEvents.formUnion(start...end)
                XCTAssertTrue(clearlyBelow.isDisjoint(with: start...end), "\(name): \(line) holds a frame below the threshold")
                XCTAssertFalse(clearlyAbove.contains(start - 1) || clearlyAbove.contains(end + 1), "\(name): \(line) is not a whole run")
                XCTAssertEqual(Double(f[3])!, Double(start) / 25, accuracy: 1e-3, "frame folders: index / 25 s")
                XCTAssertEqual(Double(f[7])!, scores[peak], accuracy: 1e-5 * max(1, abs(scores[peak])))
                XCTAssertEqual(scores[start...end].max(), scores[peak])
                let best = regions.filter { Int($0[0]) == peak }.max { $0[5] < $1[5] }
                XCTAssertEqual(f[9...12].map { Double($0) }, best.map { Array($0[1...4]) } ?? [nil, nil, nil, nil], "\(name): \(line)")
                peaks.append(Double(f[7])!)
            }
            XCTAssertTrue(clearlyAbove.isSubset(of: inEvents), "\(name): a frame above the threshold is in no event")
            XCTAssertEqual(peaks, peaks.sorted(by: >), "ranked by peak")
            let npy = try Data(contentsOf: URL(fileURLWithPath: scratch + "/s/\(name).npy"))
            XCTAssertEqual(npy.count, 128 + 4 * 24)
        }

        // A threshold given directly; then a share with every video skipped: they keep their events, and a warning says so.
        options.threshold = -1
        options.rescore = true
        _ = try scoring.score(try discoverVideos([videos[0]]), options: options)
        let lines = try String(contentsOfFile: scratch + "/s/video0.events.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2, "every frame is above -1: one event")
        XCTAssertTrue(lines[1].hasPrefix("1,0,23,"), String(lines[1]))
        XCTAssertEqual((try? EventSettings.read(path: scratch + "/s/events.json"))?.thresholdSource, "given (--threshold)")
        options.threshold = nil
        options.falseAlarmPercent = 50
        options.rescore = false
        var warnings: [String] = []
        let summary = try scoring.score(try discoverVideos(videos), options: options) {
            if case .warning(let text) = $0 { warnings.append(text) }
        }
        XCTAssertEqual(summary.skipped, 2)
        XCTAssertEqual((try? EventSettings.read(path: scratch + "/s/events.json"))?.threshold, -1, "nothing rescored: events.json still describes the files")
        XCTAssertTrue(warnings.contains { $0.contains("the 2 videos scored before keep events made with threshold -1") }, "\(warnings)")
    }

    /// A model without normal frame scores (trained before events existed): no events and no events.json, and a
    /// threshold event saying why; --threshold still gives events.
    func testAModelWithoutNormalFramesWritesEventsOnlyWithAThreshold() throws {
        let scratch = try makeScratchFolder("ssmtl-scoring")
        let (model, videos) = try tinyModel(scratch)
        let loaded = try ModelCheckpoint.loadForScoring(model)
        var info = loaded.1
        info.normalFrameScores = nil
        try ModelCheckpoint.save(loaded.0, info: info, to: scratch + "/old.safetensors", includeOptimizer: false)
        var notes: [String] = []
        _ = try ScoringRun(modelPath: scratch + "/old.safetensors").score(try discoverVideos([videos[0]]), options: ScoringOptions(outputFolder: scratch + "/s")) {
            if case .threshold(nil, let source) = $0 { notes.append(source) }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch + "/s").sorted(), ["video0.csv", "video0.regions.txt"])
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(notes[0].contains("no events are written unless --threshold is given"), notes[0])
        var options = ScoringOptions(outputFolder: scratch + "/s")
        options.threshold = 0
        let summary = try ScoringRun(modelPath: scratch + "/old.safetensors").score(try discoverVideos([videos[0]]), options: options)
        XCTAssertEqual(summary.scored, 1, "events.csv missing: the video is scored again")
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/s/video0.events.csv"))
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
