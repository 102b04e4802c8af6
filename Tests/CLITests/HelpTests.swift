import Foundation
import XCTest
import TestScratch

/// The help explains the tool as it is: short enough to read, without dates or history, and the options of removed
/// experiments are gone (an unknown option is a usage error).
final class HelpTests: XCTestCase {
    private static let commands = [["info"], ["detect"], ["train"], ["score"], ["eval"], ["report"], ["plant"], ["synth"], ["bench", "nn"], ["bench", "darknet"]]

    func testHelpIsShortAndHasNoHistory() throws {
        let train = try CLI.run(["train", "--help"]), score = try CLI.run(["score", "--help"])
        XCTAssertEqual(train.status, 0)
        XCTAssertLessThanOrEqual(train.stdout.split(separator: "\n", omittingEmptySubsequences: false).count, 80, train.stdout)
        XCTAssertLessThanOrEqual(score.stdout.split(separator: "\n", omittingEmptySubsequences: false).count, 60, score.stdout)
        for command in Self.commands {
            for flag in ["--help", "--help-hidden"] {
                let help = try CLI.run(command + [flag])
                XCTAssertEqual(help.status, 0, "\(command) \(flag)")
                XCTAssertNil(help.stdout.firstMatch(of: #/20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]|\buntil\b|\bformerly\b|\bstep\b/#),
                             "\(command) \(flag) speaks of history:\n\(help.stdout)")
            }
        }
        let hidden = try CLI.run(["train", "--help-hidden"])
        for option in ["--encoder", "--batch", "--lr", "--appearance-bank", "--margin", "--teacher"] {
            XCTAssertTrue(hidden.stdout.contains(option), option)
            XCTAssertFalse(train.stdout.contains(option + " "), "\(option) is for experts: --help-hidden only")
        }
    }

    func testRemovedOptionsAreUsageErrors() throws {
        let scratch = try makeScratchFolder("ssmtl-cli")
        let train = [("--jigsaw-grid", "4"), ("--members", "3"), ("--ema-decay", "0.9"), ("--calibration", "tail"),
                     ("--appearance-score", "gaussian"), ("--crop-shape", "square"), ("--head-statistics", "all"),
                     ("--lr-schedule", "constant"), ("--select-epoch", "loss"), ("--select-student", "loss"), ("--split-seed", "2"),
                     ("--checked-epochs", "5"), ("--check-frame-stride", "8")]
        for (option, value) in train {
            let r = try CLI.run(["train", scratch, "--out", scratch + "/m.safetensors", option, value])
            XCTAssertEqual(r.status, 64, "\(option): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("Unknown option '\(option)'"), r.stderr)
        }
        for flags in [["--resume", "--retrain-student"], ["--no-epoch-checks"]] {
            let r = try CLI.run(["train", scratch, "--out", scratch + "/m.safetensors"] + flags)
            XCTAssertEqual(r.status, 64, r.stderr)
        }
        for (option, value) in [("--filter-time", "median"), ("--filter-frames", "9")] {
            let r = try CLI.run(["score", scratch, "--model", scratch + "/m.safetensors", "--out", scratch + "/s", option, value])
            XCTAssertEqual(r.status, 64, "\(option): \(r.stderr)")
        }
        XCTAssertEqual(try CLI.run(["bench", "nn", "--jigsaw-grid", "2"]).status, 64)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/m.safetensors"))
    }
}
