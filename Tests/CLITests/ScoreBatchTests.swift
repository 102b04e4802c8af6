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

        // --object-heads: the region rows again, with the five standardised scores whose largest is the object score (the
        // model has an appearance bank: its training video was split into ten parts to measure the normal spread). The
        // region score averages object scores along links within 3 frames (SSMTLTests' ObjectLinksTests check how), so
        // it lies within the range of the object scores of those frames.
        let regions = try String(contentsOfFile: again + "/a.regions.txt", encoding: .utf8).split(separator: "\n")
        let objects = try String(contentsOfFile: again + "/a.objects.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(objects.first, "frame,x_min,y_min,x_max,y_max,score,aot,mi,mb,kd,app")
        XCTAssertEqual(objects.count, regions.count + 1)
        XCTAssertGreaterThan(regions.count, 0)
        let rows = objects.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        var linkedDiffers = false
        for (object, region) in zip(objects.dropFirst(), regions) {
            XCTAssertTrue(object.hasPrefix(region + ","), "\(object) vs \(region)")
        }
        for v in rows {
            let nearby = rows.filter { abs($0[0] - v[0]) <= 3 }.map { $0[6...10].max()! }
            XCTAssertGreaterThanOrEqual(v[5], nearby.min()! - 1e-4 * max(1, abs(v[5])))
            XCTAssertLessThanOrEqual(v[5], nearby.max()! + 1e-4 * max(1, abs(v[5])))
            if abs(v[5] - v[6...10].max()!) > 1e-3 { linkedDiffers = true }
        }
        XCTAssertTrue(linkedDiffers, "some region scores are averaged with their links")
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

    /// Writes `model` to `path` with its safetensors JSON header passed through `edit` (tensors unchanged).
    private func rewriteHeader(of model: String, to path: String, _ edit: (String) -> String) throws {
        try SafetensorsHeader.rewrite(model, to: path, edit)
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
        try assertTrainRefused(videos + ["--out", scratch + "/x.safetensors", "--fast-forward-share", "1.5"],
                               mentioning: "the fast-forward share must lie in [0, 1]")
        // The objects per epoch likewise: negative in a checkpoint or on the command line.
        try assertMetadataRefused(model, video: videos[0], scratch: scratch, key: "objects_per_epoch", from: "3000", to: "-5")
        try assertTrainRefused(videos + ["--out", scratch + "/x.safetensors", "--objects-per-epoch=-1"],
                               mentioning: "the objects per epoch must not be negative")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/x.safetensors"))
    }

    /// A checkpoint whose mirror flag is neither true nor false, or whose σ is out of range or not a number, is
    /// refused with one line naming the file and the key; so is a model of an earlier version trained with a setting
    /// this one no longer has.
    func testBadOrRetiredCheckpointSettingsAreRefused() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, videos) = try tinyModel(scratch)
        try assertMetadataRefused(model, video: videos[0], scratch: scratch, key: "mirror", from: "true", to: "sometimes")
        for key in ["score_sigma"] {
            for bad in ["-1", "high", "nan"] {
                let path = scratch + "/bad-auc.safetensors"
                try SafetensorsHeader.rewriteMetadata(model, to: path, [key: bad])
                let r = try CLI.run(["score", videos[0], "--model", path, "--out", scratch + "/scores", "--quiet"])
                XCTAssertEqual(r.status, 1, r.stderr)
                XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
                XCTAssertTrue(r.stderr.contains("bad-auc.safetensors") && r.stderr.contains("'\(key)'"), r.stderr)
            }
        }
        let retired = scratch + "/jigsaw.safetensors"
        try SafetensorsHeader.rewriteMetadata(model, to: retired, ["format": "ssmtl-checkpoint-2", "jigsaw_grid": "4"])
        let r = try CLI.run(["score", videos[0], "--model", retired, "--out", scratch + "/scores", "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines, ["ssmtl: error: checkpoint \(retired): was trained with jigsaw_grid 4, a setting this version no longer has (docs/experiments.md); train a new model"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/scores/video0.csv"))
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
                                         ("--margin", "9223372036854775807", "--margin must lie in 0...65536")] {
            let r = try CLI.run(["score", scratch + "/missing.mp4", "--model", scratch + "/missing.safetensors",
                                 "--out", out, "\(option)=\(value)"])  // "=": a bare -1 would read as an option
            XCTAssertEqual(r.status, 64, "\(option) \(value): \(r.stderr)")
            XCTAssertEqual(r.stderrLines, [r.stderrLines.first ?? ""], "one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ssmtl: error: ") && r.stderr.contains(message) && r.stderr.contains("(see 'ssmtl help score')"),
                          "\(option) \(value): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output folder for \(option) \(value)")
        }
    }

    /// A malformed --shard is a usage error (exit 64) with one line naming the problem, before any model or video is
    /// read and without creating the output folder.
    func testBadShardsAreRefused() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let out = scratch + "/scores"
        for (value, message) in [("3", "--shard '3': expected K/N"), ("a/b", "--shard 'a/b': K is not a whole number"),
                                 ("1/0", "--shard '1/0': the number of shards N must be at least 1"),
                                 ("-1/3", "--shard '-1/3': K must be at least 0"), ("3/3", "--shard '3/3': K must be less than N")] {
            for arguments in [["--shard", value], ["--shard=\(value)"]] {
                let r = try CLI.run(["score", scratch + "/missing.mp4", "--model", scratch + "/missing.safetensors", "--out", out] + arguments)
                XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
                XCTAssertEqual(r.stderrLines.count, 1, "one line: \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("ssmtl: error: \(message)"), "\(arguments): \(r.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output folder for \(arguments)")
            }
        }
    }

    /// Event options out of range are usage errors (exit 64), one line each, before anything is read or written.
    func testBadEventOptionsAreRefused() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let out = scratch + "/scores"
        let cases: [([String], String)] = [
            (["--false-alarm-percent", "60"], "--false-alarm-percent must lie in 0...50"),
            (["--false-alarm-percent", "-1"], "--false-alarm-percent must lie in 0...50"),
            (["--threshold", "nan"], "--threshold must be a finite number"),
            (["--threshold", "2", "--false-alarm-percent", "1"], "give --threshold or --false-alarm-percent, not both"),
            (["--event-gap", "-1"], "--event-gap must be 0 or more"),
            (["--event-min-frames", "0"], "--event-min-frames must be at least 1"),
        ]
        for (arguments, message) in cases {
            let r = try CLI.run(["score", scratch + "/missing.mp4", "--model", scratch + "/missing.safetensors", "--out", out] + arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, "one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ssmtl: error: \(message)"), "\(arguments): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        let train = try CLI.run(["train", scratch, "--out", scratch + "/m.safetensors", "--false-alarm-percent", "51"])
        XCTAssertEqual(train.status, 64, train.stderr)
        XCTAssertTrue(train.stderr.contains("the false-alarm percentage must lie in 0...50"), train.stderr)
    }

    /// Three `--shard K/3` processes into one folder write exactly the files of one process over the batch, byte for
    /// byte; each says which shard it is and how many videos it scores. (SlurmShardTests does the same as a job array.)
    func testShardsTogetherScoreEachVideoOnce() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, _) = try tinyModel(scratch)
        let batch = try TinyScene.makeVideos(in: scratch + "/batch", count: 5, frames: 12)
        let whole = scratch + "/whole", sharded = scratch + "/sharded"
        let one = try CLI.run(["score", scratch + "/batch", "--model", model, "--out", whole, "--threads", "1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        for (index, expected) in [(0, 2), (1, 2), (2, 1)] {
            let r = try CLI.run(["score", scratch + "/batch", "--model", model, "--out", sharded, "--threads", "1", "--shard", "\(index)/3"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("score: shard \(index)/3 scores \(expected) of the 5 videos"), r.stderr)
            XCTAssertTrue(r.stderr.contains("score: \(expected) videos,"), r.stderr)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: whole).sorted()
        XCTAssertEqual(files.count, 3 * batch.count + 1, "a .csv, .events.csv and .regions.txt per video, and events.json: \(files)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sharded).sorted(), files)
        XCTAssertGreaterThan(FileManager.default.contents(atPath: whole + "/video4.regions.txt")?.count ?? 0, 0, "objects were scored")
        for file in files {
            XCTAssertEqual(FileManager.default.contents(atPath: sharded + "/" + file), FileManager.default.contents(atPath: whole + "/" + file), file)
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
            $0.replacing(#/"head_std":"[^"]*"/#, with: "\"head_std\":\"0,0,0,0,0\"")
        }
        // Text from the file is shown on the one line, its line breaks escaped.
        try assertRefused("newline", mentioning: "'mirror' is 'oval\\nssmtl: done'") {
            $0.replacingOccurrences(of: "\"mirror\":\"true\"", with: "\"mirror\":\"oval\\nssmtl: done\"")
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
        // Without the options, score uses the teacher the model recorded: the same scores.
        let own = try CLI.run(["score", videos[0], "--model", model, "--out", scratch + "/t", "--quiet"])
        XCTAssertEqual(own.status, 0, own.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: scratch + "/t/video0.csv"), FileManager.default.contents(atPath: scratch + "/s/video0.csv"))
        // A model whose teacher files are gone is refused with one line naming the missing file.
        let moved = scratch + "/moved.safetensors"
        try SafetensorsHeader.rewrite(model, to: moved) { $0.replacingOccurrences(of: "classifier-mini.weights", with: "gone.weights") }
        let gone = try CLI.run(["score", videos[0], "--model", moved, "--out", scratch + "/u", "--quiet"])
        XCTAssertEqual(gone.status, 1)
        XCTAssertEqual(gone.stderrLines.count, 1, gone.stderr)
        XCTAssertTrue(gone.stderr.contains("gone.weights"), gone.stderr)
    }
}
