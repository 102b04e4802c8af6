import Foundation
import XCTest
@testable import NeuralNet

final class SafetensorsTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("nn-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    let sample = [
        NamedTensor(name: "encoder.0.weight", shape: [2, 1, 3], values: [1, -2, 3.5, 0.25, -0, 1e-30]),
        NamedTensor(name: "encoder.1.running_var", shape: [2], values: [0.5, 2]),
        NamedTensor(name: "scalar", shape: [], values: [42]),
        NamedTensor(name: "empty", shape: [0, 3], values: []),
    ]

    func testRoundTrip() throws {
        let path = dir.appendingPathComponent("a.safetensors").path
        try Safetensors.write(sample, metadata: ["variant": "shallow-narrow", "quote\"key": "line\nbreak"], to: path)
        let f = try Safetensors.read(path)
        XCTAssertEqual(f.metadata["variant"], "shallow-narrow")
        XCTAssertEqual(f.metadata["quote\"key"], "line\nbreak")
        for t in sample {
            XCTAssertEqual(f.tensors[t.name]?.shape, t.shape)
            XCTAssertEqual(f.tensors[t.name]?.values, t.values)
        }
        // Header length is a multiple of 8 and the file is exactly header + data.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let hlen = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(hlen % 8, 0)
        XCTAssertEqual(data.count, 8 + hlen + 4 * 9)
        // Overwrite atomically, no temporary file left behind.
        try Safetensors.write(Array(sample.prefix(1)), to: path)
        XCTAssertEqual(try Safetensors.read(path).tensors.count, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["a.safetensors"])
    }

    /// Written for Scripts/check_safetensors.py (Python's safetensors reads it back).
    func testWritesFileForPythonCheck() throws {
        let path = ProcessInfo.processInfo.environment["NN_SAFETENSORS_OUT"] ?? dir.appendingPathComponent("py.safetensors").path
        var values = [Float](repeating: 0, count: 24)
        for i in 0..<24 { values[i] = Float(i) * 0.5 - 3 }
        try Safetensors.write([NamedTensor(name: "w", shape: [2, 3, 4], values: values),
                               NamedTensor(name: "b", shape: [3], values: [1, 2, 3])],
                              metadata: ["variant": "shallow-narrow"], to: path)
        XCTAssertNoThrow(try Safetensors.read(path))
    }

    func assertRejects(_ bytes: [UInt8], _ expect: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = dir.appendingPathComponent("bad.safetensors").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        XCTAssertThrowsError(try Safetensors.read(path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path), "error must name the file: \(text)", file: file, line: line)
            XCTAssertTrue(text.contains(expect), "\(text) should mention \(expect)", file: file, line: line)
            XCTAssertFalse(text.contains("\n"), file: file, line: line)
        }
    }

    func testRejectsBadFiles() throws {
        let good = dir.appendingPathComponent("g.safetensors").path
        try Safetensors.write(sample, to: good)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        assertRejects([], "shorter than 8 bytes")
        assertRejects(Array(bytes.prefix(5)), "shorter than 8 bytes")
        assertRejects(Array(bytes.prefix(40)), "truncated")
        assertRejects(Array(bytes.dropLast(4)), "truncated")
        assertRejects(bytes + [0, 0, 0, 0], "data section")
        assertRejects(Array("GIF89a garbage garbage garbage".utf8), "not a safetensors file")
        var badJSON = bytes
        badJSON[8] = UInt8(ascii: "[")
        assertRejects(badJSON, "not a safetensors file")
        // Wrong shape for its byte range.
        let header = "{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}"
        var h = Array(header.utf8); while h.count % 8 != 0 { h.append(0x20) }
        var len = UInt64(h.count).littleEndian
        let prefix = withUnsafeBytes(of: &len) { Array($0) }
        assertRejects(prefix + h + [UInt8](repeating: 0, count: 8), "do not match shape")
        let f16 = "{\"t\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}"
        var h2 = Array(f16.utf8); while h2.count % 8 != 0 { h2.append(0x20) }
        var len2 = UInt64(h2.count).littleEndian
        assertRejects(withUnsafeBytes(of: &len2) { Array($0) } + h2 + [0, 0, 0, 0], "only F32")
        // Huge header length.
        assertRejects([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0] + Array(repeating: 0x20, count: 16), "header length")
    }

    func testLoadChecksNamesAndShapes() throws {
        let path = dir.appendingPathComponent("m.safetensors").path
        try Safetensors.write(sample, to: path)
        let f = try Safetensors.read(path)
        let ok = Tensor(shape: [2])
        try Safetensors.load(f, into: [("encoder.1.running_var", ok)], path: path)
        XCTAssertEqual(ok.array, [0.5, 2])
        XCTAssertThrowsError(try Safetensors.load(f, into: [("encoder.1.running_var", Tensor(shape: [3]))], path: path)) {
            XCTAssertTrue("\($0)".contains("expected [3]"))
        }
        XCTAssertThrowsError(try Safetensors.load(f, into: [("missing", Tensor(shape: [1]))], path: path)) {
            XCTAssertTrue("\($0)".contains("missing tensor missing"))
        }
        XCTAssertThrowsError(try Safetensors.read(dir.appendingPathComponent("nope.safetensors").path)) {
            XCTAssertTrue("\($0)".contains("nope.safetensors: no such file"), "\($0)")
        }
        XCTAssertThrowsError(try Safetensors.read(dir.path)) {
            XCTAssertTrue("\($0)".contains("is a folder, not a checkpoint file"), "\($0)")
        }
        // A NaN or an infinity in a tensor is refused (it would give every object the same score).
        for bad in [Float.nan, .infinity] {
            let poisoned = dir.appendingPathComponent("bad.safetensors").path
            try Safetensors.write([NamedTensor(name: "w", shape: [2], values: [1, bad])], to: poisoned)
            XCTAssertThrowsError(try Safetensors.load(try Safetensors.read(poisoned), into: [("w", Tensor(shape: [2]))], path: poisoned)) {
                XCTAssertTrue("\($0)".contains("tensor w holds a NaN or infinite value"), "\($0)")
            }
        }
    }
}
