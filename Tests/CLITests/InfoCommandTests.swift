import Foundation
import XCTest
import TestScratch

final class InfoCommandTests: XCTestCase {
    func testHelpAndVersion() throws {
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("info"))
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
        let infoHelp = try CLI.run(["info", "--help"])
        XCTAssertTrue(infoHelp.stdout.contains("--decode"))
    }

    /// Speed figures are noted with the OpenBLAS kernel family: bench names the one in force, and the environment's
    /// override reaches it.
    func testBenchNamesTheBLASKernel() throws {
        let result = try CLI.run(["bench", "nn", "--iterations", "1", "--batch", "2", "--threads", "1"],
                                 environment: ["OPENBLAS_CORETYPE": "Haswell"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("blas_core=Haswell"), result.stdout)
    }

    func testInfoListsAVideo() throws {
        let clip = CLI.videoFixtures.appendingPathComponent("clip.mp4").path
        let result = try CLI.run(["info", "--decode", "--quiet", clip])
        XCTAssertEqual(result.status, 0, result.stderr)
        let row = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
            .first { $0.first == "clip" }
        XCTAssertEqual(row?[1], "40")
        XCTAssertEqual(row?[2], "64x48")
        XCTAssertEqual(row?[3], "10")
        XCTAssertTrue(result.stdout.contains("decoded_frames=40"))
    }

    /// Each bad input: exit code 1, exactly one line on stderr naming the file, nothing on stdout but the header.
    func testBadInputsGiveOneLineAndNonZeroExit() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let empty = scratch + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let text = scratch + "/notes.mp4"
        try Data("plain text\n".utf8).write(to: URL(fileURLWithPath: text))
        let whole = try Data(contentsOf: CLI.videoFixtures.appendingPathComponent("clip.mp4"))
        let half = scratch + "/half.mp4"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: half))
        let bgr4 = CLI.videoFixtures.appendingPathComponent("unsupported_bgr4.nut").path

        let cases: [(String, String)] = [
            (scratch + "/missing.avi", "no such file"),
            (empty, "no videos found"),
            (text, "cannot open"),
            (half, "truncated or corrupt"),
            (bgr4, "unsupported pixel format"),
        ]
        for (path, message) in cases {
            let result = try CLI.run(["info", "--decode", "--quiet", path])
            XCTAssertEqual(result.status, 1, path)
            XCTAssertEqual(result.stderrLines.count, 1, "\(path): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("ssmtl: error: "), result.stderr)
            XCTAssertTrue(result.stderr.contains(path), result.stderr)
            XCTAssertTrue(result.stderr.contains(message), "\(path): \(result.stderr)")
        }
    }

    func testOneBadVideoInABatchStillListsTheOthers() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        try FileManager.default.copyItem(atPath: CLI.videoFixtures.appendingPathComponent("clip.mp4").path, toPath: scratch + "/a.mp4")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: scratch + "/b.mp4"))
        let result = try CLI.run(["info", "--quiet", scratch])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("\na\t40\t64x48"), result.stdout)
        XCTAssertEqual(result.stderrLines.count, 2, result.stderr)
        XCTAssertTrue(result.stderrLines.last?.contains("1 of 2 videos failed: b") ?? false, result.stderr)
    }
}
