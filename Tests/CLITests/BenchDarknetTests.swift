import Foundation
import XCTest
import TestScratch

/// `ssmtl bench darknet`: both paths run and agree, and a bad network file is a one-line error.
final class BenchDarknetTests: XCTestCase {
    func testReportsBothPathsAndTheirAgreement() throws {
        // yolov3-tiny-mini (96 x 96) has 3 x 3 and 6 x 6 layers, which run batched.
        let cfg = CLI.packageRoot.appendingPathComponent("Models/yolov3-tiny-mini.cfg").path
        let r = try CLI.run(["bench", "darknet", "--cfg", cfg, "--batch", "3", "--iterations", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.contains("batch=3") == true, r.stdout)
        let batched = try XCTUnwrap(lines.first?.firstMatch(of: #/batched_convolutions=(\d+)/#)?.1)
        XCTAssertGreaterThan(Int(batched) ?? 0, 0, r.stdout)
        let agreement = try XCTUnwrap(r.stdout.firstMatch(of: #/on input 0: ([0-9.e+-]+)/#)?.1)
        XCTAssertLessThan(Double(agreement) ?? .infinity, 1e-4, r.stdout)
        let last = try XCTUnwrap(lines.last?.firstMatch(of: #/single_inputs_per_s=([0-9.]+) batched_inputs_per_s=([0-9.]+) ratio=([0-9.]+)/#))
        XCTAssertGreaterThan(Double(last.1) ?? 0, 0)
        XCTAssertGreaterThan(Double(last.2) ?? 0, 0)
        // --profile: a line per layer, its index, kind, time and share, the shares summing to 100 %.
        let profiled = try CLI.run(["bench", "darknet", "--cfg", cfg, "--batch", "3", "--iterations", "1", "--profile"])
        XCTAssertEqual(profiled.status, 0, profiled.stderr)
        let layers = profiled.stdout.split(separator: "\n").compactMap { $0.firstMatch(of: #/^\s*(\d+) (\w+).* s\s+([0-9.]+)%/#) }
        XCTAssertEqual(layers.map { Int($0.1)! }, Array(0..<layers.count), profiled.stdout)
        XCTAssertGreaterThan(layers.count, 5, profiled.stdout)
        XCTAssertEqual(layers.reduce(0.0) { $0 + Double($1.3)! }, 100, accuracy: 0.5, profiled.stdout)
        XCTAssertTrue(profiled.stdout.contains(", batched"), "the small-plane layers name their batched kernel: \(profiled.stdout)")
    }

    func testMissingOrDamagedNetworkIsAOneLineError() throws {
        let scratch = try makeScratchFolder("ssmtl-bench-darknet")
        let missing = scratch + "/none.cfg"
        var r = try CLI.run(["bench", "darknet", "--cfg", missing])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("none.cfg"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        // Weights of another network: too few floats.
        let cfg = CLI.packageRoot.appendingPathComponent("Models/classifier-mini.cfg").path
        let weights = scratch + "/short.weights"
        try Data(count: 64).write(to: URL(fileURLWithPath: weights))
        r = try CLI.run(["bench", "darknet", "--cfg", cfg, "--weights", weights])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("short.weights"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertEqual(try CLI.run(["bench", "darknet", "--cfg", cfg, "--batch", "0"]).status, 64)
        // yolov3 at 416 x 416: 1024 inputs would hold tens of gigabytes; refused before any work.
        let big = try CLI.run(["bench", "darknet", "--cfg", CLI.packageRoot.appendingPathComponent("Models/yolov3.cfg").path, "--batch", "1024"])
        XCTAssertEqual(big.status, 64, big.stderr)
        XCTAssertTrue(big.stderr.contains("use at most"), big.stderr)
        XCTAssertEqual(big.stderr.split(separator: "\n").count, 1, big.stderr)
    }
}
