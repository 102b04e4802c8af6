import Foundation
import XCTest
import TestScratch

/// `ssmtl score` and `ssmtl detect` on damaged videos (made at test time: cut H.264 and MPEG-4 files, an empty file, a
/// text file named .mp4): each broken video is one line naming its file and the problem, leaves no output, and the
/// others in the batch are still done; everything within a time bound.
final class DamagedVideoCLITests: XCTestCase {
    /// A batch folder: two good clips (H.264, MPEG-4) and four broken files, in natural order.
    private func makeBatch(in folder: String) throws -> (good: [String], broken: [String: String]) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let h264 = try DamagedVideos.writeClip(to: folder + "/a_good.mp4", codec: .h264, frames: 30)
        let mpeg4 = try DamagedVideos.writeClip(to: folder + "/f_good_mpeg4.mp4", codec: .mpeg4, frames: 30)
        var broken: [String: String] = [:]
        for (name, source, damage) in [("b_cut_h264", h264, DamagedVideos.Damage.truncated(fraction: 0.6)),
                                       ("c_empty", h264, .empty), ("d_text", h264, .text),
                                       ("e_cut_mpeg4", mpeg4, .truncated(fraction: 0.6))] {
            let path = folder + "/\(name).mp4"
            try DamagedVideos.damage(source, damage, to: path)
            broken[name] = path
        }
        return (["a_good", "f_good_mpeg4"], broken)
    }

    private func visibleFiles(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    private func hiddenFiles(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(".") }
    }

    /// What each broken file's line must say.
    private let problems = ["b_cut_h264": "truncated or corrupt", "c_empty": "empty file (0 bytes)", "d_text": "cannot open",
                            "e_cut_mpeg4": "truncated or corrupt"]

    func testScoreSkipsDamagedVideosWithOneLineEachAndScoresTheOthers() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (model, _) = try TrainInterruptTests.trainTinyModel(in: scratch, studentEpochs: 0)
        let (good, broken) = try makeBatch(in: scratch + "/batch")
        let out = scratch + "/scores", overlays = scratch + "/overlays"
        let start = Date()
        let r = try CLI.run(["score", scratch + "/batch", "--model", model, "--out", out, "--overlay", overlays,
                             "--object-heads", "--npy", "--quiet", "--threads", "1"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, broken.count + 1, r.stderr)
        for (name, path) in broken {
            let lines = r.stderrLines.filter { $0.contains(name) && !$0.contains("videos failed") }
            XCTAssertEqual(lines.count, 1, "\(name): \(r.stderr)")
            XCTAssertTrue(lines.first?.hasPrefix("ssmtl: error: \(path): \(problems[name]!)") ?? false, "\(name): \(r.stderr)")
        }
        XCTAssertEqual(r.stderrLines.last, "ssmtl: error: 4 of 6 videos failed: b_cut_h264, c_empty, d_text, e_cut_mpeg4")
        let suffixes = [".csv", ".events.csv", ".npy", ".objects.csv", ".regions.txt"]
        var expected: [String] = ["events.json"]
        for name in good { expected += suffixes.map { name + $0 } }
        XCTAssertEqual(visibleFiles(out), expected.sorted(), "outputs of the good videos only")
        XCTAssertEqual(visibleFiles(overlays), good.map { $0 + ".mp4" })
        XCTAssertEqual(hiddenFiles(out) + hiddenFiles(overlays), [], "no temporary left")
        let rows = try String(contentsOfFile: out + "/f_good_mpeg4.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 31, "the MPEG-4 clip is scored whole")

        // One damaged video alone: one line, naming the file, exit 1, nothing written.
        let alone = try CLI.run(["score", broken["b_cut_h264"]!, "--model", model, "--out", scratch + "/alone", "--quiet"])
        XCTAssertEqual(alone.status, 1, alone.stderr)
        XCTAssertEqual(alone.stderrLines.count, 1, alone.stderr)
        XCTAssertTrue(alone.stderr.hasPrefix("ssmtl: error: \(broken["b_cut_h264"]!): truncated or corrupt: "), alone.stderr)
        XCTAssertTrue(alone.stderr.contains(" after "), "says how far it decoded: \(alone.stderr)")
        XCTAssertEqual(visibleFiles(scratch + "/alone") + hiddenFiles(scratch + "/alone"), [])
    }

    func testDetectSkipsDamagedVideosWithOneLineEach() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let (good, broken) = try makeBatch(in: scratch + "/batch")
        let out = scratch + "/boxes"
        let start = Date()
        let r = try CLI.run(["detect", scratch + "/batch", "--out", out, "--quiet", "--threads", "1"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        XCTAssertEqual(r.status, 1, r.stderr)
        for (name, path) in broken {
            let lines = r.stderrLines.filter { $0.contains(path) }
            XCTAssertEqual(lines.count, 1, "\(name): \(r.stderr)")
            XCTAssertTrue(lines.first?.hasPrefix("ssmtl: error: \(path): \(problems[name]!)") ?? false, "\(name): \(r.stderr)")
        }
        XCTAssertEqual(visibleFiles(out), good.map { $0 + ".csv" })
        XCTAssertEqual(hiddenFiles(out), [])
        let alone = try CLI.run(["detect", broken["e_cut_mpeg4"]!, "--out", scratch + "/alone", "--quiet"])
        XCTAssertEqual(alone.status, 1, alone.stderr)
        XCTAssertEqual(alone.stderrLines.count, 1, alone.stderr)
        XCTAssertTrue(alone.stderr.hasPrefix("ssmtl: error: \(broken["e_cut_mpeg4"]!): truncated or corrupt"), alone.stderr)
        XCTAssertEqual(visibleFiles(scratch + "/alone"), [])
    }
}
