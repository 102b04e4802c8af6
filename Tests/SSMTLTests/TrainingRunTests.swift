import Foundation
import XCTest
import NeuralNet
import TestScratch
import VideoIO
@testable import SSMTL

/// `TrainingRun`, the whole training as a Swift program calls it: the epochs, the loss rule that keeps one of them,
/// the student, the normal statistics, the σ, cancellation and resuming. A tiny network on `TinyScene` videos.
final class TrainingRunTests: XCTestCase {
    /// The options of a tiny network that trains an epoch in seconds.
    static func tinyOptions(epochs: Int = 1, studentEpochs: Int = 0) -> TrainingOptions {
        var o = TrainingOptions()
        o.network.encoderPlan = [4, 0, 8, 0]
        o.network.cropSize = 16
        o.network.headChannels = 4
        o.network.decoderChannels = 4
        o.batchSize = 8
        o.shuffleCapacity = 16
        o.threads = 1
        o.epochs = epochs
        o.studentEpochs = studentEpochs
        return o
    }

    /// Trains and returns the model's info and every event, in order.
    @discardableResult
    static func train(_ videos: [String], to model: String, _ options: TrainingOptions,
                      cancelWhen: ((TrainingEvent) -> Bool)? = nil) throws -> (CheckpointInfo, [TrainingEvent]) {
        var events: [TrainingEvent] = []
        var cancel = false
        let run = TrainingRun(videos: try discoverVideos(videos), modelPath: model, options: options)
        let info = try run.run(events: { event in
            events.append(event)
            if cancelWhen?(event) == true { cancel = true }
        }, isCancelled: { cancel })
        return (info, events)
    }

    static func warnings(_ events: [TrainingEvent]) -> [String] {
        events.compactMap { if case .warning(let text) = $0 { text } else { nil } }
    }

    /// Stopped by `isCancelled` after the first epoch, and again during the student phase, then resumed each time: the
    /// model is the uninterrupted run's, byte for byte, and the cancellation says what is saved.
    func testACancelledRunResumesToTheUninterruptedModel() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        let options = Self.tinyOptions(epochs: 3, studentEpochs: 2)
        try Self.train(videos, to: scratch + "/straight.safetensors", options)
        let reference = try XCTUnwrap(FileManager.default.contents(atPath: scratch + "/straight.safetensors"))

        let model = scratch + "/stopped.safetensors"
        XCTAssertThrowsError(try Self.train(videos, to: model, options) {
            if case .epochFinished(let r) = $0 { return r.phase == .main(epoch: 1, of: 3) }
            return false
        }) { error in
            let stop = error as? TrainingCancelled
            XCTAssertEqual(stop?.savedEpochs, 1, "\(error)")
            XCTAssertEqual(stop?.checkpoint, scratch + "/stopped.last.safetensors")
        }
        var resumed = options
        resumed.resume = true
        XCTAssertThrowsError(try Self.train(videos, to: model, resumed) {
            if case .batchTrained(.student(epoch: 1, of: 2), _, _) = $0 { return true }
            return false
        }) { error in
            XCTAssertEqual((error as? TrainingCancelled)?.during, "student epoch 1", "\(error)")
        }
        let (_, events) = try Self.train(videos, to: model, resumed)
        guard case .started(let start) = events.first else { return XCTFail("the first event is the start") }
        XCTAssertEqual(start.resumedAfterEpoch, 3)
        XCTAssertEqual(FileManager.default.contents(atPath: model), reference, "cancelled twice and resumed: the uninterrupted run's bytes")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    /// The kept epoch is the first with the lowest validation loss; a run stopped after two epochs and resumed keeps the
    /// same one, to the bytes; the finished model has statistics and the σ chosen on the replays, and no epoch was
    /// replayed before it.
    func testTheKeptEpochHasTheLowestValidationLoss() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        // Three videos: one is held out, and 64 frames are enough to replay it.
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 3, frames: 64)
        var options = Self.tinyOptions(epochs: 3)
        options.learningRate = 0.01
        let model = scratch + "/m.safetensors"
        let (info, events) = try Self.train(videos, to: model, options)
        let losses = events.compactMap { if case .epochFinished(let r) = $0 { r.validationLoss } else { nil } }
        XCTAssertEqual(losses.count, 3)
        XCTAssertEqual(info.bestEpoch, losses.firstIndex(of: losses.min()!)! + 1)
        XCTAssertEqual(info.bestValidationLoss, losses.min()!, accuracy: 1e-12)
        XCTAssertNotNil(info.headStatistics)
        XCTAssertNotNil(info.scoreSigma)
        XCTAssertEqual(events.filter { if case .sigmaChosen = $0 { true } else { false } }.count, 1)
        XCTAssertEqual(Self.warnings(events), [])
        XCTAssertEqual(try ModelCheckpoint.load(model).1, info, "the file holds what the run returned")
        XCTAssertEqual(info.retiredTrainingSettings, [])

        // Stopped after two epochs and resumed: the best loss so far is carried over.
        let resumedPath = scratch + "/resumed.safetensors"
        XCTAssertThrowsError(try Self.train(videos, to: resumedPath, options) {
            if case .epochFinished(let r) = $0 { return r.phase == .main(epoch: 2, of: 3) }
            return false
        })
        var resume = options
        resume.resume = true
        try Self.train(videos, to: resumedPath, resume)
        XCTAssertEqual(try SafetensorsContents(resumedPath).body, try SafetensorsContents(model).body)
        XCTAssertEqual(try ModelCheckpoint.load(resumedPath).1, info)
    }

    /// Validation videos too short to replay (41 frames) leave no σ, with a note saying why; the epochs are kept by the
    /// loss as always.
    func testShortValidationVideosLeaveNoSigma() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 3, frames: 24)
        let (info, events) = try Self.train(videos, to: scratch + "/m.safetensors", Self.tinyOptions(epochs: 2))
        XCTAssertEqual(Self.warnings(events), [])
        let notes = events.compactMap { if case .note(let text) = $0 { text } else { nil } }
        XCTAssertTrue(notes.contains { $0.contains("no validation video is long enough (41 frames) to choose the scoring sigma") }, "\(notes)")
        let losses = events.compactMap { if case .epochFinished(let r) = $0 { r.validationLoss } else { nil } }
        XCTAssertEqual(losses.count, 2)
        XCTAssertEqual(info.bestEpoch, losses.firstIndex(of: losses.min()!)! + 1)
        XCTAssertNil(info.scoreSigma, "no replay: no sigma")
        // The statistics pass announces every frame of the three videos and reports its progress up to them, before
        // the appearance bank.
        let started = events.compactMap { if case .statisticsStarted(let v, let f) = $0 { [v, f] } else { nil } }
        XCTAssertEqual(started, [[3, 3 * 24]])
        let done = events.compactMap { if case .statisticsProgress(let f) = $0 { f } else { nil } }
        XCTAssertEqual(done.last, 3 * 24)
        XCTAssertEqual(done, done.sorted(), "progress only grows")
        let bankAt = try XCTUnwrap(events.firstIndex { if case .appearanceBank = $0 { true } else { false } })
        let lastProgressAt = try XCTUnwrap(events.lastIndex { if case .statisticsProgress = $0 { true } else { false } })
        XCTAssertLessThan(lastProgressAt, bankAt)
        // The last event says where the time went; the parts fit in the whole.
        guard case .finished(let t) = events.last else { return XCTFail("the last event is the timings") }
        XCTAssertGreaterThan(t.stages.train, 0)
        XCTAssertGreaterThan(t.stages.decode, 0)
        XCTAssertGreaterThan(t.stages.crop, 0)
        XCTAssertLessThanOrEqual(t.stages.train + t.stages.validate + t.stages.waitingForData, t.mainEpochs + t.studentEpochs)
        XCTAssertLessThanOrEqual(t.mainEpochs + t.studentEpochs + t.statistics + t.sigma, t.total)
        XCTAssertTrue(PseudoAnomalies.minimumFrameCount() == 41)
    }

    /// The kept student is the first with the lowest validation discrepancy, and the main weights are those of the
    /// kept main epoch.
    func testTheKeptStudentHasTheLowestDiscrepancy() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 3, frames: 64)
        let (info, events) = try Self.train(videos, to: scratch + "/m.safetensors", Self.tinyOptions(epochs: 1, studentEpochs: 3))
        let students = events.compactMap { if case .epochFinished(let r) = $0, case .student = r.phase { r.validation.distillationLoss } else { nil } }
        XCTAssertEqual(students.count, 3)
        XCTAssertEqual(info.bestStudentEpoch, students.firstIndex(of: students.min()!)! + 1)
        XCTAssertEqual(info.bestStudentLoss, students.min()!, accuracy: 1e-12)
        XCTAssertEqual(info.studentEpoch, 3)
        XCTAssertEqual(info.bestEpoch, 1)
        XCTAssertGreaterThan(info.headStatistics!.std[3], 0, "a trained student gives the distillation score a spread")
    }

    /// The network heads are standardised on the held-out video's objects: scored again, those objects' standardised
    /// heads have mean 0 and standard deviation 1.
    func testHeldOutStatisticsStandardiseTheHeldOutObjects() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 3, frames: 60)
        let model = scratch + "/m.safetensors"
        let (info, _) = try Self.train(videos, to: model, Self.tinyOptions(epochs: 1, studentEpochs: 1))
        let described = try XCTUnwrap(info.headStatisticsObjects)
        let match = try XCTUnwrap(described.firstMatch(of: #/^held-out: (video[0-9]) \(([0-9]+) objects\)$/#), described)
        let validation = try XCTUnwrap(videos.first { $0.hasSuffix("/" + match.output.1) })
        let scoring = try ScoringRun(modelPath: model)
        var options = ScoringOptions(outputFolder: scratch + "/scores")
        options.objectTables = true
        options.reuseScores = false   // every object once, as the statistics saw them
        _ = try scoring.score(try discoverVideos([validation]), options: options)
        let rows = try String(contentsOfFile: scratch + "/scores/\(match.output.1).objects.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double(String($0))! } }
        XCTAssertEqual(rows.count, Int(match.output.2))
        for h in 0..<4 {
            let column = rows.map { $0[6 + h] }
            let mean = column.reduce(0, +) / Double(column.count)
            let std = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)).squareRoot()
            XCTAssertEqual(mean, 0, accuracy: 2e-3, "head \(h)")
            XCTAssertEqual(std, 1, accuracy: 2e-3, "head \(h)")
        }
    }

    /// Held-out videos with fewer than 30 objects give too unsteady a spread: a warning, and all objects standardise.
    func testTooFewHeldOutObjectsFallBackToAllObjects() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 3, frames: 12)
        let (info, events) = try Self.train(videos, to: scratch + "/m.safetensors", Self.tinyOptions())
        let warning = try XCTUnwrap(Self.warnings(events).compactMap {
            $0.firstMatch(of: #/only ([0-9]+) objects in the held-out videos \(fewer than 30\); the heads are standardised on all ([0-9]+) objects/#)
        }.first)
        XCTAssertLessThan(Int(warning.output.1)!, 30)
        XCTAssertEqual(info.headStatisticsObjects, "all: \(warning.output.2) objects")
    }

    /// Resuming a finished run recomputes the appearance bank with the cap it is given: N entries of the objects
    /// offered, or all of them when the cap is larger.
    func testResumingAFinishedRunRecomputesTheAppearanceBank() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 3, frames: 40)
        let model = scratch + "/m.safetensors"
        try Self.train(videos, to: model, Self.tinyOptions())
        var options = Self.tinyOptions()
        options.resume = true
        options.appearanceBankCapacity = 20
        let (_, small) = try Self.train(videos, to: model, options)
        let bank = try XCTUnwrap(small.compactMap { if case .appearanceBank(let entries, let offered, _, _, _) = $0 { (entries, offered) } else { nil } }.first)
        XCTAssertEqual(bank.0, 20)
        XCTAssertGreaterThan(bank.1, 20)
        XCTAssertEqual(try ModelCheckpoint.load(model).0.appearanceBank?.count, 20)
        options.appearanceBankCapacity = bank.1 + 1
        try Self.train(videos, to: model, options)
        XCTAssertEqual(try ModelCheckpoint.load(model).0.appearanceBank?.count, bank.1)
    }

    /// A training checkpoint cannot be continued with other settings or another epoch count: one error naming it.
    func testResumeRefusesOtherSettings() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        let model = scratch + "/m.safetensors"
        try Self.train(videos, to: model, Self.tinyOptions())
        let before = try XCTUnwrap(FileManager.default.contents(atPath: model))
        var changes: [(String, (inout TrainingOptions) -> Void)] = []
        changes.append(("mirror true", { $0.mirror = false }))
        changes.append(("fast-forward share 0.3333333333333333", { $0.fastForwardShare = 0 }))
        changes.append(("seed 1", { $0.seed = 2 }))
        changes.append(("written for 1 epochs; resume with --epochs 1", { $0.epochs = 2 }))
        for (message, change) in changes {
            var options = Self.tinyOptions()
            options.resume = true
            change(&options)
            XCTAssertThrowsError(try Self.train(videos, to: model, options)) { error in
                XCTAssertTrue("\(error)".contains("m.last.safetensors") && "\(error)".contains(message), "\(error)")
            }
        }
        XCTAssertEqual(FileManager.default.contents(atPath: model), before, "a refused resume leaves the model alone")
    }

    /// Videos where the detector finds nothing, options that cannot train, and no videos: one clear error, no file.
    func testRunsThatCannotTrain() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let still = scratch + "/still"
        try FileManager.default.createDirectory(atPath: still, withIntermediateDirectories: true)
        let grey = [UInt8](repeating: 90, count: 64 * 48 * 3)
        for i in 0..<12 {
            try ImageFile.write(Frame(index: i, width: 64, height: 48, layout: .rgb24, pixels: grey), to: still + String(format: "/%03d.png", i))
        }
        let model = scratch + "/m.safetensors"
        XCTAssertThrowsError(try Self.train([still], to: model, Self.tinyOptions())) {
            XCTAssertTrue("\($0)".contains("no objects were detected"), "\($0)")
        }
        var bad = Self.tinyOptions()
        bad.fastForwardShare = 1.5
        XCTAssertThrowsError(try Self.train([still], to: model, bad)) {
            XCTAssertEqual("\($0)", "the fast-forward share must lie in [0, 1]")
        }
        bad = Self.tinyOptions()
        bad.network.cropSize = 12
        XCTAssertThrowsError(try Self.train([still], to: model, bad)) { XCTAssertTrue("\($0)".contains("impossible network"), "\($0)") }
        XCTAssertThrowsError(try TrainingRun(videos: [], modelPath: model, options: Self.tinyOptions()).run()) {
            XCTAssertEqual("\($0)", "no training videos")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: model))
    }

    /// Over `stride` epochs a frame stride keeps every frame of every video exactly once; videos are offset; stride 1
    /// keeps every frame.
    func testFrameStrideCoversEveryFrameOnce() {
        for video in 0..<3 {
            for frame in 0..<40 {
                let kept = (0..<5).filter { FrameStride(stride: 5, epoch: $0).keeps(video: video, frame: frame) }
                XCTAssertEqual(kept.count, 1, "video \(video) frame \(frame)")
            }
        }
        XCTAssertNotEqual(FrameStride(stride: 5, epoch: 0).keeps(video: 0, frame: 0), FrameStride(stride: 5, epoch: 0).keeps(video: 1, frame: 0))
        XCTAssertTrue((0..<10).allSatisfy { FrameStride(stride: 1, epoch: 3).keeps(video: 2, frame: $0) })
    }

    /// With a target of objects per epoch, each epoch trains on about that many (one frame in k), the stride is
    /// recorded and announced, a cancelled run resumes to the uninterrupted model, and a resume with another target is
    /// refused. The default takes every object of a set smaller than its target.
    func testObjectsPerEpoch() throws {
        let scratch = try makeScratchFolder("ssmtl-run")
        let videos = try TinyScene.makeVideos(in: scratch + "/train", count: 3, frames: 64)
        var everything = Self.tinyOptions(epochs: 1)
        everything.objectsPerEpoch = 0
        let full = try Self.train(videos, to: scratch + "/full.safetensors", everything).1
        let all = try XCTUnwrap(full.compactMap { if case .epochFinished(let r) = $0 { r.train.objects } else { nil } }.first)
        XCTAssertLessThan(all, TrainingOptions().objectsPerEpoch, "the default takes every object of a small set")
        var options = Self.tinyOptions(epochs: 3)
        options.objectsPerEpoch = (all + 2) / 3
        let (info, events) = try Self.train(videos, to: scratch + "/straight.safetensors", options)
        XCTAssertEqual(info.frameStride, 3)
        XCTAssertEqual(info.objectsPerEpoch, (all + 2) / 3)
        let notes = events.compactMap { if case .note(let text) = $0 { text } else { nil } }
        XCTAssertTrue(notes.contains("\(all) training objects; each epoch takes the objects of one frame in 3 (about \(all / 3))"), "\(notes)")
        let trained = events.compactMap { if case .epochFinished(let r) = $0 { r.train.objects } else { nil } }
        XCTAssertEqual(trained.count, 3)
        for n in trained { XCTAssertEqual(Double(n), Double(all) / 3, accuracy: Double(all) / 6, "\(trained) of \(all)") }
        XCTAssertEqual(trained.reduce(0, +), all, "three epochs of one frame in three: every object once")

        let model = scratch + "/stopped.safetensors"
        XCTAssertThrowsError(try Self.train(videos, to: model, options) {
            if case .epochFinished(let r) = $0 { return r.phase == .main(epoch: 2, of: 3) } else { return false }
        })
        var resume = options
        resume.resume = true
        resume.objectsPerEpoch = all
        XCTAssertThrowsError(try Self.train(videos, to: model, resume)) { XCTAssertTrue("\($0)".contains("objects per epoch \((all + 2) / 3)"), "\($0)") }
        resume.objectsPerEpoch = options.objectsPerEpoch
        try Self.train(videos, to: model, resume)
        XCTAssertEqual(FileManager.default.contents(atPath: model), FileManager.default.contents(atPath: scratch + "/straight.safetensors"))
    }
}
