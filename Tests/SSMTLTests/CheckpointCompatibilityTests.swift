import Foundation
import XCTest
import NeuralNet
import TestScratch
import VideoIO
@testable import SSMTL

/// Models written by earlier versions (checkpoint format 2). One that uses only what this version has for scoring
/// scores as it did; one trained with a setting that was removed is refused in one line if the setting changes scoring, and
/// scores but cannot be trained further if it only shaped training.
final class CheckpointCompatibilityTests: XCTestCase {
    /// `Scripts/make_legacy_model_fixture.sh`: a tiny model trained by commit a5cc071, and what it scored.
    private var legacy: String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/legacy-model").path
    }

    /// The earlier version's frame scores and regions of the fixture's test video, scored again now: the same rows,
    /// the retired (always zero) jigsaw column aside, to 1e-4 (another OpenBLAS kernel rounds the network differently).
    /// The object score is now the largest standardised score, where that version took their mean (criterion step 2
    /// of docs/experiments.md): every object's score equals the largest of its five recorded scores, and the columns
    /// made from the object score (the frame score, the region score) are the only ones that differ. The frame
    /// columns of the five scores are now smoothed within the range of their raw values 3 frames either side (step
    /// 44): each is that version's Gaussian column clamped to the range of its frame maxima, which its objects table
    /// gives. The region score (the regions file's and the objects table's score column) is the object score
    /// averaged along the object's links (steps 45 and 46), which the objects table's boxes and scores give too.
    func testAModelOfThePreviousFormatScoresAsItDid() throws {
        let scratch = try makeScratchFolder("ssmtl-legacy")
        let scoring = try ScoringRun(modelPath: legacy + "/model.safetensors")
        XCTAssertEqual(scoring.info.retiredTrainingSettings, ["epoch_selection replay", "student_selection replay"],
                       "its epochs were judged by the replays, as until step 26: it scores, but its training cannot continue")
        var options = ScoringOptions(outputFolder: scratch)
        options.objectTables = true
        options.threads = 1
        options.reuseScores = false   // that version ran every object
        let summary = try scoring.score(try discoverVideos([legacy + "/test_01.mp4"]), options: options)
        XCTAssertEqual(summary.scored, 1)
        let frameColumns = try clampedHeadColumns(frames: try rows(legacy + "/test_01.csv"),
                                                  objects: try rows(legacy + "/test_01.objects.csv"))
        let legacyObjects = try rows(legacy + "/test_01.objects.csv")
        let regionScores = try linkedRegionScores(objects: legacyObjects)
        let objectScores = try legacyObjects.map { try $0[6..<11].map { try XCTUnwrap($0) }.max()! }
        var clampedCells = 0, linkedRegions = 0
        for (file, columns) in [("test_01.csv", 7), ("test_01.regions.txt", 6), ("test_01.objects.csv", 11)] {
            var before = try rows(legacy + "/" + file)
            let now = try rows(scratch + "/" + file)
            if file == "test_01.csv" {
                for f in before.indices {
                    for k in 2..<7 where abs(frameColumns[f][k - 2] - before[f][k]!) > 1e-9 {
                        before[f][k] = frameColumns[f][k - 2]
                        clampedCells += 1
                    }
                }
            }
            XCTAssertEqual(now.count, before.count, file)
            XCTAssertGreaterThan(now.count, 10, file)
            for (i, (a, b)) in zip(before, now).enumerated() {
                XCTAssertEqual(b.count, columns, file)
                if a.count > columns { XCTAssertEqual(a[columns...].map { $0 ?? 1 }, [0], "\(file): the jigsaw column was always 0") }
                let objectScore = ["test_01.csv": 1, "test_01.regions.txt": 5, "test_01.objects.csv": 5][file]!
                for k in 0..<columns where k != objectScore {
                    let (x, y) = (try XCTUnwrap(a[k], "\(file) \(a)"), try XCTUnwrap(b[k], "\(file) \(b)"))
                    XCTAssertEqual(y, x, accuracy: 1e-4 * max(1, abs(x)), "\(file) column \(k)")
                }
                if file != "test_01.csv" {
                    let linked = regionScores[i]
                    XCTAssertEqual(try XCTUnwrap(b[5]), linked, accuracy: 1e-4 * max(1, abs(linked)),
                                   "\(file): the region score: the largest of the five, averaged along the links")
                    if file == "test_01.regions.txt", abs(objectScores[i] - linked) > 1e-3 { linkedRegions += 1 }
                }
            }
        }
        XCTAssertGreaterThan(clampedCells, 0, "the fixture holds frames where the Gaussian spilled beyond the raw scores")
        XCTAssertGreaterThan(linkedRegions, 0, "the fixture holds regions whose links change their score")
    }

    /// The region scores of that version's objects (rows of its objects table: frame, box, score, five scores) as this
    /// version writes them: each object's largest score averaged along its links (`ObjectLinks.linkedScores`).
    private func linkedRegionScores(objects: [[Double?]]) throws -> [Double] {
        var frames: [[ScoredObject]] = []
        for row in objects {
            let frame = Int(try XCTUnwrap(row[0]))
            let box = PixelBox(x1: Int(try XCTUnwrap(row[1])), y1: Int(try XCTUnwrap(row[2])),
                               x2: Int(try XCTUnwrap(row[3])), y2: Int(try XCTUnwrap(row[4])))
            while frames.count <= frame { frames.append([]) }
            frames[frame].append(ScoredObject(frame: frame, box: box, heads: try row[6..<11].map { Float(try XCTUnwrap($0)) }))
        }
        return ObjectLinks.linkedScores(frames: frames).joined().map { Double($0.score) }
    }

    /// That version's five smoothed frame columns (`frames`: rows of its <video>.csv, frame, score, aot, mi, mb, kd,
    /// app) clamped, frame by frame, to the range of the raw columns within `FrameScoreSmoothing.reach` frames; the raw
    /// columns are each frame's largest standardised score over its objects, clipped at 0 (`objects`: its
    /// objects table, frame first and the five scores from the seventh column).
    private func clampedHeadColumns(frames: [[Double?]], objects: [[Double?]]) throws -> [[Double]] {
        let n = frames.count, reach = FrameScoreSmoothing.reach
        var raw = [[Double]](repeating: [Double](repeating: 0, count: 5), count: n)
        for object in objects {
            let f = Int(try XCTUnwrap(object[0]))
            for h in 0..<5 { raw[f][h] = max(raw[f][h], try XCTUnwrap(object[6 + h])) }
        }
        return try (0..<n).map { f in
            try (0..<5).map { h in
                let window = (-reach...reach).map { raw[reflectedIndex(f + $0, count: n)][h] }
                return min(max(try XCTUnwrap(frames[f][2 + h]), window.min()!), window.max()!)
            }
        }
    }

    /// Each row of a score file as numbers (nil for a header word).
    private func rows(_ path: String) throws -> [[Double?]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").filter { $0.first?.isNumber ?? false }.map { $0.split(separator: ",").map { Double(String($0)) } }
    }

    /// A setting that changed how a model scores and no longer exists is refused with one line naming the file and
    /// the setting; an ensemble file likewise.
    func testRetiredScoringSettingsAreRefused() throws {
        let scratch = try makeScratchFolder("ssmtl-legacy")
        for (key, value) in [("jigsaw_grid", "4"), ("crop_shape", "square"), ("appearance_score", "gaussian"), ("score_calibration", "tail")] {
            let path = scratch + "/\(key).safetensors"
            try SafetensorsHeader.rewriteMetadata(legacy + "/model.safetensors", to: path, [key: value])
            XCTAssertThrowsError(try ScoringRun(modelPath: path)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("\(key).safetensors") && text.contains("\(key) \(value)") && text.contains("no longer has"), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
        }
        let ensemble = scratch + "/ensemble.safetensors"
        try SafetensorsHeader.rewriteMetadata(legacy + "/model.safetensors", to: ensemble, ["format": "ssmtl-ensemble-1", "members": "3"])
        XCTAssertThrowsError(try ScoringRun(modelPath: ensemble)) {
            XCTAssertTrue("\($0)".contains("is an ensemble of 3 networks") && "\($0)".contains("member-1"), "\($0)")
        }
        // The same keys in a file of this version's format are not read at all.
        let current = scratch + "/current.safetensors"
        try SafetensorsHeader.rewriteMetadata(legacy + "/model.safetensors", to: current, ["format": "ssmtl-checkpoint-3", "jigsaw_grid": "4"])
        XCTAssertNoThrow(try ScoringRun(modelPath: current))
    }

    /// A model whose training used a retired setting (here the constant learning rate of format 2, and the epochs
    /// judged by replay checks of format 2 and of format 3 before step 26) still scores; continuing its training is
    /// refused in one line naming the settings. A training checkpoint of the previous format with today's settings
    /// continues, to the bytes of a run of this version.
    func testRetiredTrainingSettingsScoreButDoNotResume() throws {
        let scratch = try makeScratchFolder("ssmtl-legacy")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        let options = TrainingRunTests.tinyOptions(epochs: 2)
        try TrainingRunTests.train(videos, to: scratch + "/straight.safetensors", options)

        let model = scratch + "/m.safetensors", last = scratch + "/m.last.safetensors"
        XCTAssertThrowsError(try TrainingRunTests.train(videos, to: model, options) {
            if case .epochFinished = $0 { return true } else { return false }
        })
        let previousFormat: [String: String?] = ["format": "ssmtl-checkpoint-2", "lr_schedule": "cosine", "epoch_selection": "loss",
                                                  "student_selection": "loss", "mirror": "true", "jigsaw_grid": "0"]
        try SafetensorsHeader.rewriteMetadata(last, to: last, previousFormat)
        var retired = previousFormat
        retired["lr_schedule"] = "constant"
        retired["epoch_selection"] = "replay"
        retired["student_selection"] = .some(nil)  // removed from the file: a format-2 file without it chose by the loss
        try SafetensorsHeader.rewriteMetadata(last, to: scratch + "/retired.last.safetensors", retired)
        try FileManager.default.copyItem(atPath: model, toPath: scratch + "/retired.safetensors")

        var resume = options
        resume.resume = true
        XCTAssertThrowsError(try TrainingRunTests.train(videos, to: scratch + "/retired.safetensors", resume)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("retired.last.safetensors") && text.contains("lr_schedule constant, epoch_selection replay")
                          && text.contains("cannot continue"), text)
        }
        let (_, info) = try ModelCheckpoint.load(scratch + "/retired.last.safetensors")
        XCTAssertEqual(info.retiredTrainingSettings, ["lr_schedule constant", "epoch_selection replay"])
        // Format 3 before step 26 wrote no selection keys: its epochs were judged by replay checks.
        try SafetensorsHeader.rewriteMetadata(last, to: scratch + "/checked.last.safetensors",
                                              ["format": "ssmtl-checkpoint-3", "epoch_selection": nil, "student_selection": nil])
        XCTAssertEqual(try ModelCheckpoint.load(scratch + "/checked.last.safetensors").1.retiredTrainingSettings,
                       ["epoch_selection replay", "student_selection replay"])

        try TrainingRunTests.train(videos, to: model, resume)
        XCTAssertEqual(try SafetensorsContents(model).body, try SafetensorsContents(scratch + "/straight.safetensors").body)
    }

    /// Earlier versions stored six statistics (the last, the retired jigsaw score, of zero spread without its head):
    /// the sixth is dropped; one with a spread cannot be read.
    func testSixStoredStatisticsLoseTheRetiredSixth() throws {
        let six = try CheckpointInfo.headStatistics(mean: "1,2,3,4,5,0", std: "1,1,1,1,1,0", path: "m")
        XCTAssertEqual(six, HeadStatistics(mean: [1, 2, 3, 4, 5], std: [1, 1, 1, 1, 1]))
        XCTAssertThrowsError(try CheckpointInfo.headStatistics(mean: "1,2,3,4,5,6", std: "1,1,1,1,1,1", path: "m")) {
            XCTAssertTrue("\($0)".contains("4 to 5 values"), "\($0)")
        }
    }
}
