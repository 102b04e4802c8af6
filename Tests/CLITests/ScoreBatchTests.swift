import Foundation
import XCTest
import TestScratch

/// `ssmtl score` over a batch: a bad video in the middle is reported on its own, the others are still scored, and
/// the exit status says something failed; a checkpoint whose tensors do not match its network is refused.
final class ScoreBatchTests: XCTestCase {
    /// Trains the tiny network for one epoch on `count` synthetic videos of `frames` frames in `scratch`/train.
    private func tinyModel(_ scratch: String, count: Int = 2, frames: Int = 24, studentEpochs: Int = 1, options: [String] = []) throws
        -> (model: String, videos: [String]) {
        try TrainInterruptTests.trainTinyModel(in: scratch, count: count, frames: frames, studentEpochs: studentEpochs, options: options)
    }

    func testABadVideoInTheMiddleDoesNotStopTheOthers() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch)
        let batch = scratch + "/batch"
        try FileManager.default.createDirectory(atPath: batch, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: videos[0], toPath: batch + "/a")
        try Data("this is not a video".utf8).write(to: URL(fileURLWithPath: batch + "/b.mp4"))
        try FileManager.default.copyItem(atPath: videos[1], toPath: batch + "/c")
        let out = scratch + "/scores"
        let r = try CLI.run(["score", batch, "--model", model, "--out", out, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderrLines.contains { $0.contains("b.mp4") }, r.stderr)
        XCTAssertTrue(r.stderrLines.last?.contains("1 of 3 videos failed: b") ?? false, r.stderr)
        for name in ["a", "c"] {
            let csv = try String(contentsOfFile: out + "/\(name).csv", encoding: .utf8)
            XCTAssertEqual(csv.split(separator: "\n").count, 25, "header + one row per frame")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/\(name).regions.txt"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/b.csv"))

        // Scores are deterministic: a second run gives the same files.
        let again = scratch + "/again"
        _ = try CLI.run(["score", batch + "/a", "--model", model, "--out", again, "--quiet", "--object-heads"])
        XCTAssertEqual(FileManager.default.contents(atPath: again + "/a.csv"), FileManager.default.contents(atPath: out + "/a.csv"))

        // --object-heads: the region rows again, with the five standardised scores whose mean is the object score (the
        // model has an appearance bank: its training video was split into ten parts to measure the normal spread).
        let regions = try String(contentsOfFile: again + "/a.regions.txt", encoding: .utf8).split(separator: "\n")
        let objects = try String(contentsOfFile: again + "/a.objects.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(objects.first, "frame,x_min,y_min,x_max,y_max,score,aot,mi,mb,kd,app,jig")
        XCTAssertEqual(objects.count, regions.count + 1)
        XCTAssertGreaterThan(regions.count, 0)
        for (object, region) in zip(objects.dropFirst(), regions) {
            XCTAssertTrue(object.hasPrefix(region + ","), "\(object) vs \(region)")
            let v = object.split(separator: ",").map { Double($0)! }
            XCTAssertEqual(v[5], (v[6] + v[7] + v[8] + v[9] + v[10]) / 5, accuracy: 1e-4 * max(1, abs(v[5])))
        }
        let appearance = objects.dropFirst().map { Double($0.split(separator: ",")[10])! }
        XCTAssertGreaterThan(Set(appearance).count, 1, "the appearance score varies from object to object")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/a.objects.csv"), "only with --object-heads")
    }

    /// Train picks the scoring sigma on its validation video replayed with abnormal segments; score uses it by default.
    func testTrainCalibratesTheScoringSigma() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch, frames: 90, studentEpochs: 0)
        let header = try self.header(of: model)
        let sigma = try XCTUnwrap(header.firstRange(of: #/"score_sigma":"([0-9.]+)"/#).map { Double(header[$0].split(separator: "\"")[2])! })
        XCTAssertTrue([0, 1, 2, 3, 5, 8, 12, 18].contains(sigma), header)
        XCTAssertTrue(header.contains("\"score_sigma_validation_auc\":\"0:"), header)
        let s = try CLI.run(["score", videos[0], "--model", model, "--out", scratch + "/scores"])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertTrue(s.stderr.contains("sigma \(sigma.formatted()) (chosen by train"), s.stderr)

        // The replay frames live in $TMPDIR/ssmtl-sigma-<pid>-<uuid>; a calibration removes the folders of processes
        // that no longer exist (killed before they could), and leaves those of running ones alone.
        let temporary = scratch + "/tmp"
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let abandoned = temporary + "/ssmtl-sigma-\(finished.processIdentifier)-0000/0/source"
        let running = temporary + "/ssmtl-sigma-\(getpid())-0000/0/source"
        for folder in [abandoned, running] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let again = try CLI.run(["train"] + videos + ["--out", model, "--epochs", "1", "--student-epochs", "0", "--resume"] + TrainInterruptTests.tiny,
                                environment: ["TMPDIR": temporary])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary), ["ssmtl-sigma-\(getpid())-0000"],
                       "the abandoned folder and the run's own are gone")
    }

    /// By default the network heads (here five, with the jigsaw head) are standardised on the validation video's
    /// objects (the heads were not fitted on them): scored again, those objects' standardised heads have mean 0 and
    /// standard deviation 1. `--head-statistics all`, recomputed by resuming the finished run, standardises on every
    /// video's objects.
    func testHeadStatisticsStandardiseTheHeldOutObjects() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch, count: 3, frames: 60, options: ["--jigsaw-grid", "2"])
        let heldOut = try headStatisticsObjects(model)
        let match = try XCTUnwrap(heldOut.firstMatch(of: #/^held-out: (video[0-9]) \(([0-9]+) objects\)$/#), heldOut)
        let validation = try XCTUnwrap(videos.first { $0.hasSuffix("/" + match.output.1) })
        let moments = try standardisedHeadMoments(model: model, videos: [validation], scratch: scratch + "/held")
        XCTAssertEqual(moments.count, Int(match.output.2))
        for h in 0..<5 {
            XCTAssertEqual(moments.mean[h], 0, accuracy: 2e-3, "head \(h)")
            XCTAssertEqual(moments.std[h], 1, accuracy: 2e-3, "head \(h)")
        }

        let again = try CLI.run(["train"] + videos + ["--out", model, "--epochs", "1", "--student-epochs", "1", "--resume",
                                                      "--head-statistics", "all", "--jigsaw-grid", "2"] + TrainInterruptTests.tiny)
        XCTAssertEqual(again.status, 0, again.stderr)
        let all = try headStatisticsObjects(model)
        let total = try XCTUnwrap(all.firstMatch(of: #/^all: ([0-9]+) objects$/#), all)
        let everyVideo = try standardisedHeadMoments(model: model, videos: videos, scratch: scratch + "/all")
        XCTAssertEqual(everyVideo.count, Int(total.output.1))
        XCTAssertGreaterThan(everyVideo.count, moments.count)
        for h in 0..<5 {
            XCTAssertEqual(everyVideo.mean[h], 0, accuracy: 2e-3, "head \(h)")
            XCTAssertEqual(everyVideo.std[h], 1, accuracy: 2e-3, "head \(h)")
        }

        try assertTrainUsageError(videos, scratch: scratch, option: "--head-statistics", value: "training", says: "--head-statistics must be one of held-out, all")
        let badGrid = try CLI.run(["train"] + videos + ["--out", scratch + "/g.safetensors", "--jigsaw-grid", "3"] + TrainInterruptTests.tiny)
        XCTAssertEqual(badGrid.status, 64, badGrid.stderr)
        XCTAssertTrue(badGrid.stderr.contains("the jigsaw grid (3) must divide the crop size 16"), badGrid.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/g.safetensors"))
    }

    /// `--appearance-score gaussian` (recomputed by --resume of a finished run) stores the choice and the Gaussian's
    /// own normal statistics, and the model scores; `nearest` brings the nearest-neighbour statistics back; an unknown
    /// name is a usage error.
    func testTheGaussianAppearanceScoreIsStoredAndUsed() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch, count: 3, frames: 40)
        func header() throws -> String { try self.header(of: model) }
        XCTAssertTrue(try header().contains(#""appearance_score":"nearest""#))
        func appearanceStatistics() throws -> (mean: String, std: String) {
            let h = try header()
            let mean = try XCTUnwrap(h.firstMatch(of: #/"head_mean":"[^,]*,[^,]*,[^,]*,[^,]*,([^,"]*)/#))
            let std = try XCTUnwrap(h.firstMatch(of: #/"head_std":"[^,]*,[^,]*,[^,]*,[^,]*,([^,"]*)/#))
            return (String(mean.output.1), String(std.output.1))
        }
        let nearest = try appearanceStatistics()
        let resume = resumeArguments(videos, model: model)
        let gaussian = try CLI.run(resume + ["--appearance-score", "gaussian"])
        XCTAssertEqual(gaussian.status, 0, gaussian.stderr)
        XCTAssertTrue(try header().contains(#""appearance_score":"gaussian""#))
        XCTAssertNotEqual(try appearanceStatistics().mean, nearest.mean, "the Gaussian's own normal statistics")
        let scored = try CLI.run(["score", videos[0], "--model", model, "--out", scratch + "/scores", "--quiet"])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        let csv = try String(contentsOfFile: scratch + "/scores/video0.csv", encoding: .utf8)
        let app = csv.split(separator: "\n").dropFirst().compactMap { Double($0.split(separator: ",")[6]) }
        XCTAssertGreaterThan(Set(app).count, 5, "the app column varies")
        let back = try CLI.run(resume + ["--appearance-score", "nearest"])
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertEqual(try appearanceStatistics().mean, nearest.mean)
        try assertTrainUsageError(videos, scratch: scratch, option: "--appearance-score", value: "cosine", says: "--appearance-score must be one of nearest, gaussian")
    }

    /// `--appearance-bank N` caps the bank (recomputed by --resume of a finished run): the model holds N entries, the
    /// log says of how many objects, and a cap above the object count keeps them all.
    func testTheAppearanceBankSize() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch, count: 3, frames: 40)
        func bankRows() throws -> Int {
            let header = try self.header(of: model)
            let match = try XCTUnwrap(header.firstMatch(of: #/"appearance.bank":\{"dtype":"F32","shape":\[([0-9]+),/#), header)
            return Int(match.output.1)!
        }
        let resume = resumeArguments(videos, model: model)
        let small = try CLI.run(resume + ["--appearance-bank", "20"])
        XCTAssertEqual(small.status, 0, small.stderr)
        let line = try XCTUnwrap(small.stderr.firstMatch(of: #/appearance bank of ([0-9]+) of ([0-9]+) training objects/#), small.stderr)
        XCTAssertEqual(Int(line.output.1), 20)
        let objects = try XCTUnwrap(Int(line.output.2))
        XCTAssertGreaterThan(objects, 20)
        XCTAssertEqual(try bankRows(), 20)
        let all = try CLI.run(resume + ["--appearance-bank", "\(objects + 1)"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stderr.contains("appearance bank of \(objects) of \(objects) training objects"), all.stderr)
        XCTAssertEqual(try bankRows(), objects)
        try assertTrainUsageError(videos, scratch: scratch, option: "--appearance-bank", value: "1", says: "--appearance-bank must lie in 2...131072")
        try assertTrainUsageError(videos, scratch: scratch, option: "--appearance-bank", value: "131073", says: "--appearance-bank must lie in 2...131072")
    }

    /// `--calibration tail` (recomputed by --resume of a finished run) stores each score's quantiles and tail: scored
    /// again, the held-out video's objects (the ones the network heads' tails were measured on) come out about
    /// Exp(1) on every head: median about ln 2, and about 5% above ln 20 (the 95% knot). `z` brings the z-scores
    /// back; an unknown name is a usage error and a corrupt calibration in the checkpoint is refused in one line.
    func testTheTailCalibrationIsStoredAndUsed() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch, count: 3, frames: 60)
        func header() throws -> String { try self.header(of: model) }
        XCTAssertTrue(try header().contains(#""score_calibration":"z""#))
        let resume = resumeArguments(videos, model: model)
        let tail = try CLI.run(resume + ["--calibration", "tail"])
        XCTAssertEqual(tail.status, 0, tail.stderr)
        XCTAssertTrue(tail.stderr.contains("; tail calibration (95% quantile + mean excess) aot "), tail.stderr)
        XCTAssertTrue(try header().contains(#""score_calibration":"tail""#))
        XCTAssertTrue(try header().contains(#""head_tail_knots":""#))

        let heldOut = try headStatisticsObjects(model)
        let match = try XCTUnwrap(heldOut.firstMatch(of: #/^held-out: (video[0-9]) \(([0-9]+) objects\)$/#), heldOut)
        let validation = try XCTUnwrap(videos.first { $0.hasSuffix("/" + match.output.1) })
        let out = scratch + "/tail"
        let s = try CLI.run(["score", validation, "--model", model, "--out", out, "--object-heads", "--quiet"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let rows = try String(contentsOfFile: out + "/\(match.output.1).objects.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map { Double(String($0))! } }
        XCTAssertEqual(rows.count, Int(match.output.2))
        let ln20 = log(20.0)
        for (h, column) in (6..<10).enumerated() {
            let values = rows.map { $0[column] }.sorted()
            XCTAssertGreaterThanOrEqual(values.first!, 0, "head \(h)")
            XCTAssertEqual(values[values.count / 2], log(2.0), accuracy: 0.08, "head \(h) median")
            // Strictly above the 95% knot: at most 5%; at or above it (tied raw scores sit on the knot): at least 5%.
            let above = values.filter { $0 > ln20 + 1e-4 }.count, atOrAbove = values.filter { $0 > ln20 - 1e-4 }.count
            XCTAssertLessThanOrEqual(above, Int((0.05 * Double(values.count)).rounded(.up)), "head \(h)")
            XCTAssertGreaterThanOrEqual(atOrAbove, Int((0.05 * Double(values.count)).rounded(.down)), "head \(h)")
        }
        for row in rows {  // the object score is the mean of the five calibrated scores (the four heads and app)
            XCTAssertEqual(row[5], (row[6] + row[7] + row[8] + row[9] + row[10]) / 5, accuracy: 1e-4 * max(1, abs(row[5])))
        }

        try assertMetadataRefused(model, video: validation, scratch: scratch, key: "score_calibration", from: "tail", to: "rank")

        let back = try CLI.run(resume + ["--calibration", "z"])
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertTrue(try header().contains(#""score_calibration":"z""#))
        XCTAssertFalse(try header().contains("head_tail_knots"))
        try assertTrainUsageError(videos, scratch: scratch, option: "--calibration", value: "rank", says: "--calibration must be one of z, tail")

        // Too few normal values for a tail (two short videos): a warning naming the scores, and the z-scores.
        let (few, fewVideos) = try tinyModel(scratch + "/few", count: 2, frames: 24)
        let small = try CLI.run(resumeArguments(fewVideos, model: few) + ["--calibration", "tail"])
        XCTAssertEqual(small.status, 0, small.stderr)
        XCTAssertTrue(small.stderr.contains("train: warning: no usable tail calibration for aot, mi, mb, kd")
                      && small.stderr.contains("the scores are z-calibrated instead"), small.stderr)
        XCTAssertTrue(try self.header(of: few).contains(#""score_calibration":"z""#))
    }

    /// Held-out videos with fewer than 30 objects give too unsteady a spread: train warns and standardises on all
    /// objects, and the checkpoint says so.
    func testTooFewHeldOutObjectsFallBackToAllObjects() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 3, frames: 12)
        let model = scratch + "/m.safetensors"
        let r = try CLI.run(["train"] + videos + ["--out", model, "--epochs", "1", "--student-epochs", "0"] + TrainInterruptTests.tiny)
        XCTAssertEqual(r.status, 0, r.stderr)
        let warning = try XCTUnwrap(r.stderr.firstMatch(of: #/only ([0-9]+) objects in the held-out videos \(fewer than 30\); the heads are standardised on all ([0-9]+) objects/#), r.stderr)
        XCTAssertLessThan(Int(warning.output.1)!, 30)
        XCTAssertEqual(try headStatisticsObjects(model), "all: \(warning.output.2) objects")
    }

    /// `train` with one bad option value exits 64 with a message about it, and writes no model.
    private func assertTrainUsageError(_ videos: [String], scratch: String, option: String, value: String, says message: String,
                                       line: UInt = #line) throws {
        let model = scratch + "/refused.safetensors"
        let bad = try CLI.run(["train"] + videos + ["--out", model, option, value])
        XCTAssertEqual(bad.status, 64, bad.stderr, line: line)
        XCTAssertTrue(bad.stderr.contains(message), bad.stderr, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model), line: line)
    }

    /// The start of a model file, where its safetensors JSON header (metadata and tensor shapes) sits.
    private func header(of model: String) throws -> String {
        String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: model)).prefix(40_000), as: UTF8.self)
    }

    /// `train` arguments that resume a finished tiny model: its statistics, bank and sigma are recomputed with the
    /// options added after them. Not quiet, so its last line can be checked.
    private func resumeArguments(_ videos: [String], model: String) -> [String] {
        ["train"] + videos + ["--out", model, "--epochs", "1", "--student-epochs", "1", "--resume"]
            + TrainInterruptTests.tiny.filter { $0 != "--quiet" }
    }

    private func headStatisticsObjects(_ model: String) throws -> String {
        let header = try self.header(of: model)
        let match = try XCTUnwrap(header.firstMatch(of: #/"head_statistics_objects":"([^"]*)"/#), "no head_statistics_objects in the header")
        return String(match.output.1)
    }

    /// Mean and standard deviation of the standardised network-head columns (aot, mi, mb, kd, jig) of
    /// `score --object-heads`.
    private func standardisedHeadMoments(model: String, videos: [String], scratch: String) throws
        -> (count: Int, mean: [Double], std: [Double]) {
        let s = try CLI.run(["score"] + videos + ["--model", model, "--out", scratch, "--object-heads", "--quiet"])
        XCTAssertEqual(s.status, 0, s.stderr)
        var rows: [[Double]] = []
        for video in videos {
            let name = URL(fileURLWithPath: video).lastPathComponent
            let text = try String(contentsOfFile: scratch + "/\(name).objects.csv", encoding: .utf8)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",").compactMap { Double(String($0)) }
                XCTAssertEqual(fields.count, 12, String(line))
                if fields.count == 12 { rows.append(Array(fields[6..<10]) + [fields[11]]) }
            }
        }
        let n = Double(rows.count)
        let mean = (0..<5).map { h in rows.reduce(0) { $0 + $1[h] } / n }
        let std = (0..<5).map { h in (rows.reduce(0) { $0 + ($1[h] - mean[h]) * ($1[h] - mean[h]) } / n).squareRoot() }
        return (rows.count, mean, std)
    }

    /// Writes `model` to `path` with its safetensors JSON header passed through `edit` (tensors unchanged).
    private func rewriteHeader(of model: String, to path: String, _ edit: (String) -> String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = edit(String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self))
        var newHeader = Array(header.trimmingCharacters(in: .whitespaces).utf8)
        while newHeader.count % 8 != 0 { newHeader.append(0x20) }
        var length = UInt64(newHeader.count).littleEndian
        try Data(withUnsafeBytes(of: &length) { Array($0) } + newHeader + bytes[(8 + headerLength)...]).write(to: URL(fileURLWithPath: path))
    }

    func testACheckpointRelabelledAsAnotherVariantIsRefused() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch)
        // Same tensors, metadata claiming deep-wide with its own encoder plan.
        let relabelled = scratch + "/relabelled.safetensors"
        try rewriteHeader(of: model, to: relabelled) {
            $0.replacingOccurrences(of: "\"variant\":\"shallow-narrow\"", with: "\"variant\":\"deep-wide\"")
                .replacingOccurrences(of: "\"encoder_plan\":\"4,M,8,M\"", with: "\"encoder_plan\":\"32,32,M,64,64,M,64,M,64,M\"")
                .replacingOccurrences(of: "\"crop_size\":\"16\"", with: "\"crop_size\":\"64\"")
        }
        let out = scratch + "/scores"
        let r = try CLI.run(["score", videos[0], "--model", relabelled, "--out", out, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("relabelled.safetensors") && (r.stderr.contains("shape") || r.stderr.contains("another network")), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/video0.csv"))
    }

    /// The fast-forward share is part of a run: a checkpoint claiming an impossible one is refused, and a resume with
    /// another share is refused with the settings it was written with.
    /// Rewrites `"key":"from"` to `"key":"to"` in a copy of the model's header and checks that `score` refuses the copy
    /// with one line naming the file and the key.
    private func assertMetadataRefused(_ model: String, video: String, scratch: String, key: String, from: String, to: String,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let bad = scratch + "/bad.safetensors"
        try rewriteHeader(of: model, to: bad) { header in
            XCTAssertTrue(header.contains("\"\(key)\":\"\(from)\""), header, file: file, line: line)
            return header.replacingOccurrences(of: "\"\(key)\":\"\(from)\"", with: "\"\(key)\":\"\(to)\"")
        }
        let r = try CLI.run(["score", video, "--model", bad, "--out", scratch + "/scores", "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains("bad.safetensors") && r.stderr.contains("'\(key)'"), r.stderr, file: file, line: line)
    }

    /// Runs `ssmtl train arguments` and checks that it fails with `text` on stderr.
    private func assertTrainRefused(_ arguments: [String], mentioning text: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLI.run(["train"] + arguments)
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(text), r.stderr, file: file, line: line)
    }

    func testFastForwardShareIsCheckedInCheckpointsAndOnResume() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch)
        try assertMetadataRefused(model, video: videos[0], scratch: scratch, key: "fast_forward_share", from: "0.3333333333333333", to: "3.3")

        try assertTrainRefused(videos + ["--out", model, "--epochs", "2", "--student-epochs", "1", "--resume",
                                         "--fast-forward-share", "0"] + TrainInterruptTests.tiny,
                               mentioning: "fast-forward share 0.3333333333333333")
        try assertTrainRefused(videos + ["--out", scratch + "/x.safetensors", "--fast-forward-share", "1.5"],
                               mentioning: "--fast-forward-share must lie in [0, 1]")
    }

    /// A checkpoint naming an unknown learning-rate schedule or crop shape, or a mirror flag that is neither true nor
    /// false, is refused with one line naming the file and the key.
    func testAnUnknownLearningRateScheduleOrMirrorFlagInACheckpointIsRefused() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch)
        // cosine is the default schedule
        try assertMetadataRefused(model, video: videos[0], scratch: scratch, key: "lr_schedule", from: "cosine", to: "cyclic")
        try assertMetadataRefused(model, video: videos[0], scratch: scratch, key: "mirror", from: "true", to: "sometimes")
        try assertMetadataRefused(model, video: videos[0], scratch: scratch, key: "crop_shape", from: "stretch", to: "oval")
        try assertMetadataRefused(model, video: videos[0], scratch: scratch, key: "epoch_selection", from: "replay", to: "accuracy")
        try assertMetadataRefused(model, video: videos[0], scratch: scratch, key: "student_selection", from: "replay", to: "accuracy")
        // A replay AUC outside [0, 1] or not a number, added beside the selection, is refused by name too, for the main
        // epoch as for the student's.
        for key in ["best_epoch_replay_auc", "best_student_replay_auc"] {
            for bad in ["1.5", "high", "nan"] {
                let path = scratch + "/bad-auc.safetensors"
                try rewriteHeader(of: model, to: path) {
                    $0.replacingOccurrences(of: "\"epoch_selection\":\"replay\"", with: "\"epoch_selection\":\"replay\",\"\(key)\":\"\(bad)\"")
                }
                let r = try CLI.run(["score", videos[0], "--model", path, "--out", scratch + "/scores", "--quiet"])
                XCTAssertEqual(r.status, 1, r.stderr)
                XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
                XCTAssertTrue(r.stderr.contains("bad-auc.safetensors") && r.stderr.contains("'\(key)'"), r.stderr)
            }
        }
        // A resume without the mirroring the run used (the default) is refused.
        try assertTrainRefused(videos + ["--out", model, "--epochs", "2", "--student-epochs", "1", "--resume", "--no-mirror"]
                               + TrainInterruptTests.tiny, mentioning: "mirror true")
        // Nor one with another crop shape, and an unknown shape is a usage error.
        try assertTrainRefused(videos + ["--out", model, "--epochs", "2", "--student-epochs", "1", "--resume",
                                         "--crop-shape", "square"] + TrainInterruptTests.tiny, mentioning: "crop shape stretch")
        try assertTrainRefused(videos + ["--out", scratch + "/x.safetensors", "--crop-shape", "round"],
                               mentioning: "--crop-shape must be one of stretch, square")
    }

    /// Frame-scoring options out of range are usage errors (exit 64) with one line naming the option, before any
    /// model or video is read and without creating the output folder.
    func testBadFrameScoringOptionsAreRefused() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let out = scratch + "/scores"
        for (option, value, message) in [("--filter3d", "4", "--filter3d must be 0 or an odd number up to 99"),
                                         ("--filter3d", "101", "--filter3d must be 0 or an odd number up to 99"),
                                         ("--filter3d", "-1", "--filter3d must be 0 or an odd number up to 99"),
                                         ("--block", "0", "--block must be at least 1"),
                                         ("--sigma", "-2", "--sigma must lie in 0...1000"),
                                         ("--sigma", "1e19", "--sigma must lie in 0...1000"),
                                         ("--batch", "0", "--batch must lie in 1...4096"),
                                         ("--threads", "100000", "--threads must lie in 0...256"),
                                         ("--margin", "9223372036854775807", "--margin must be at most 65536"),
                                         ("--filter-frames", "4", "--filter-frames must be an odd number from 1 to 99"),
                                         ("--filter-frames", "101", "--filter-frames must be an odd number from 1 to 99"),
                                         ("--filter-time", "max", "--filter-time must be one of mean, median")] {
            let r = try CLI.run(["score", scratch + "/missing.mp4", "--model", scratch + "/missing.safetensors",
                                 "--out", out, "\(option)=\(value)"])  // "=": a bare -1 would read as an option
            XCTAssertEqual(r.status, 64, "\(option) \(value): \(r.stderr)")
            XCTAssertEqual(r.stderrLines, [r.stderrLines.first ?? ""], "one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ssmtl: error: ") && r.stderr.contains(message) && r.stderr.contains("(see 'ssmtl help score')"),
                          "\(option) \(value): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output folder for \(option) \(value)")
        }
    }

    /// Values no training writes (NaN weights, no spread in any head, absurd widths or σ) are refused with one line
    /// naming the file, instead of scoring every object the same or asking for terabytes.
    func testNonFiniteOrAbsurdCheckpointValuesAreRefused() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch)
        func assertRefused(_ name: String, mentioning text: String, file: StaticString = #filePath, line: UInt = #line,
                           edit: (String) -> String) throws {
            let bad = scratch + "/\(name).safetensors"
            try rewriteHeader(of: model, to: bad) { header in
                let edited = edit(header)
                XCTAssertNotEqual(edited, header, "the edit must change the header", file: file, line: line)
                return edited
            }
            let r = try CLI.run(["score", videos[0], "--model", bad, "--out", scratch + "/scores", "--quiet"])
            XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
            XCTAssertTrue(r.stderr.contains("\(name).safetensors") && r.stderr.contains(text), r.stderr, file: file, line: line)
        }
        try assertRefused("wide", mentioning: "head and decoder channels must lie in 1...4096") {
            $0.replacingOccurrences(of: "\"head_channels\":\"4\"", with: "\"head_channels\":\"100000000000\"")
        }
        try assertRefused("sigma", mentioning: "'score_sigma' must lie in 0...1000") {
            // (this model's videos are too short for train to choose a sigma, so the key is added)
            $0.replacingOccurrences(of: "\"format\":", with: "\"score_sigma\":\"1e19\",\"format\":")
        }
        try assertRefused("spread", mentioning: "head statistics must be finite, and some spread positive") {
            $0.replacing(#/"head_std":"[^"]*"/#, with: "\"head_std\":\"0,0,0,0,0,0\"")
        }
        // Text from the file is shown on the one line, its line breaks escaped.
        try assertRefused("newline", mentioning: "'crop_shape' is 'oval\\nssmtl: done'") {
            $0.replacingOccurrences(of: "\"crop_shape\":\"stretch\"", with: "\"crop_shape\":\"oval\\nssmtl: done\"")
        }
        try assertRefused("nan", mentioning: "head statistics must be finite") {
            $0.replacing(#/"head_mean":"[^,]*,/#, with: "\"head_mean\":\"nan,")
        }
        // A NaN in the first tensor of the data section (whichever it is).
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        bytes.replaceSubrange((8 + headerLength)..<(12 + headerLength), with: [0x00, 0x00, 0xC0, 0x7F])
        try Data(bytes).write(to: URL(fileURLWithPath: scratch + "/weights.safetensors"))
        let r = try CLI.run(["score", videos[0], "--model", scratch + "/weights.safetensors", "--out", scratch + "/scores", "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("weights.safetensors") && r.stderr.contains("holds a NaN or infinite value"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/scores/video0.csv"))
        // The model itself still scores.
        XCTAssertEqual(try CLI.run(["score", videos[0], "--model", model, "--out", scratch + "/scores", "--quiet"]).status, 0)
    }

    /// A write that fails part-way (a 1 kB file-size limit, like a full disk) fails that video with one line naming
    /// the file, and leaves neither the output nor a temporary behind.
    func testAFailedWriteLeavesNoPartialScoreFiles() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch)
        let out = scratch + "/scores"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let limited = try CLI.run(["score", videos[0], "--model", model, "--out", out, "--quiet"], fileSizeLimitKB: 1)
        let message = limited.stderr
        XCTAssertEqual(limited.status, 1, message)
        XCTAssertTrue(message.contains("too large") && (message.contains(".regions.txt") || message.contains(".csv")), message)
        XCTAssertEqual(message.split(separator: "\n").filter { $0.contains("ssmtl: error:") && !$0.contains("videos failed") }.count, 1, message)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [], "no score file and no temporary left")

        // With the per-object table too: neither it nor its temporary is left behind.
        let withObjects = try CLI.run(["score", videos[0], "--model", model, "--out", out, "--quiet", "--object-heads"],
                                      fileSizeLimitKB: 1)
        XCTAssertEqual(withObjects.status, 1, withObjects.stderr)
        XCTAssertTrue(withObjects.stderr.contains("too large"), withObjects.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [], "no score file, table or temporary left")
    }
}

/// `--teacher`: a Darknet classifier's output on each crop becomes the distillation target.
final class TeacherOptionTests: XCTestCase {
    func testTrainAndScoreWithAClassifierTeacher() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let videos = try TrainInterruptTests.makeVideos(in: scratch + "/train", count: 2, frames: 24)
        let teacher = ["--teacher", CLI.packageRoot.appendingPathComponent("Models/classifier-mini.cfg").path,
                       "--teacher-weights", CLI.packageRoot.appendingPathComponent("Tests/DetectionTests/Fixtures/darknet/classifier-mini.weights").path]
        let model = scratch + "/m.safetensors"
        let r = try CLI.run(["train"] + videos + ["--out", model, "--epochs", "1"] + teacher + TrainInterruptTests.tiny)
        XCTAssertEqual(r.status, 0, r.stderr)
        let header = String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: model)).prefix(20_000), as: UTF8.self)
        XCTAssertTrue(header.contains("\"teacher_width\":\"10\""), header)
        XCTAssertTrue(header.contains("\"student_epochs_planned\":\"0\""), "an external teacher replaces self-distillation")
        let scored = try CLI.run(["score", videos[0], "--model", model, "--out", scratch + "/s", "--quiet"] + teacher)
        XCTAssertEqual(scored.status, 0, scored.stderr)
        let csv = try String(contentsOfFile: scratch + "/s/video0.csv", encoding: .utf8)
        let kd = csv.split(separator: "\n").dropFirst().compactMap { Double($0.split(separator: ",")[5]) }
        XCTAssertTrue(kd.contains { $0 != 0 }, "the distillation head scores against the classifier")
        let without = try CLI.run(["score", videos[0], "--model", model, "--out", scratch + "/t", "--quiet"])
        XCTAssertEqual(without.status, 1)
        XCTAssertTrue(without.stderr.contains("--teacher"), without.stderr)
    }
}
