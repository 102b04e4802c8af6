import XCTest
@testable import Evaluation

final class MatReaderTests: XCTestCase {
    func testCellOfUInt8MasksPlainAndCompressed() throws {
        let expected = try EvalPaths.json("mat/expected.json") as! [String: Any]
        let masks = expected["masks"] as! [[Int]]
        let matrix = expected["matrix"] as! [Double]
        for name in ["cell_plain.mat", "cell_compressed.mat"] {
            let variables = try MatFile.read(path: EvalPaths.fixture("mat/" + name))
            guard case .cell(let dims, let cells)? = variables["volLabel"] else { return XCTFail("\(name): no volLabel cell") }
            XCTAssertEqual(dims, [1, 4], name)
            XCTAssertEqual(cells.count, masks.count, name)
            for (i, cell) in cells.enumerated() {
                guard case .numeric(let array) = cell else { return XCTFail("\(name): cell \(i) not numeric") }
                XCTAssertEqual(array.type, .uint8, name)
                let mask = try XCTUnwrap(array.rowMajorMask())
                XCTAssertEqual([mask.height, mask.width], [5, 7], name)
                XCTAssertEqual(mask.pixels.map(Int.init), masks[i], "\(name) cell \(i)")
                XCTAssertEqual(array.hasNonZero, masks[i].contains(1))
            }
            guard case .numeric(let m)? = variables["matrix"] else { return XCTFail("\(name): no matrix") }
            XCTAssertEqual(m.dimensions, [2, 3])
            // Stored column-major: element (r, c) at c * 2 + r; expected is row-major.
            for r in 0..<2 { for c in 0..<3 { XCTAssertEqual(m.value(at: c * 2 + r), matrix[r * 3 + c], name) } }
        }
    }

    func testCorruptMatFilesThrowOneLine() throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: EvalPaths.fixture("mat/cell_compressed.mat"))))
        assertEvaluationError("corrupt") { _ = try MatFile.parse(Array(good.prefix(good.count - 40)), path: "cut.mat") }
        var garbled = good
        for i in 150..<190 { garbled[i] ^= 0x5A }
        assertEvaluationError("garbled.mat") { _ = try MatFile.parse(garbled, path: "garbled.mat") }
        assertEvaluationError("128-byte header") { _ = try MatFile.parse(Array(good.prefix(60)), path: "short.mat") }
        var noEndian = good
        noEndian[126] = 0; noEndian[127] = 0
        assertEvaluationError("not a MAT v5 file") { _ = try MatFile.parse(noEndian, path: "x.mat") }
        let plain = [UInt8](try Data(contentsOf: URL(fileURLWithPath: EvalPaths.fixture("mat/cell_plain.mat"))))
        assertEvaluationError("corrupt MAT-file") { _ = try MatFile.parse(Array(plain.prefix(300)), path: "cut_plain.mat") }
    }
}

final class NpyReaderTests: XCTestCase {
    func testDtypesAndOrders() throws {
        let expected = try EvalPaths.json("npy/expected.json") as! [String: [String: Any]]
        XCTAssertEqual(expected.count, 10)
        for (name, e) in expected {
            let array = try NpyFile.read(path: EvalPaths.fixture("npy/\(name).npy"))
            XCTAssertEqual(array.shape, e["shape"] as! [Int], name)
            XCTAssertEqual(array.rowMajorValues(), e["values"] as! [Double], name)
        }
        let cube = try NpyFile.read(path: EvalPaths.fixture("npy/cube_f.npy"))
        XCTAssertTrue(cube.fortranOrder)
        let values = (expected["cube_f"]!["values"] as! [Double])
        for t in 0..<2 {
            XCTAssertEqual(cube.mask(frame: t).pixels.map(Double.init), Array(values[(t * 12)..<(t * 12 + 12)]))
        }
        XCTAssertEqual(try FrameLabelFile.read(path: EvalPaths.fixture("npy/labels_1d.npy")), [0, 0, 1, 1, 0])
    }

    func testCorruptNpyFilesThrowOneLine() throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: EvalPaths.fixture("npy/int64_c.npy"))))
        assertEvaluationError("data holds") { _ = try NpyFile.parse(Array(good.dropLast(3)), path: "cut.npy") }
        assertEvaluationError("magic") { _ = try NpyFile.parse(Array("not numpy at all".utf8), path: "text.npy") }
        assertEvaluationError("truncated header") { _ = try NpyFile.parse(Array(good.prefix(20)), path: "head.npy") }
        var complex = good
        let at = try XCTUnwrap((0..<(good.count - 3)).first { Array(good[$0..<($0 + 3)]) == Array("<i8".utf8) })
        complex[at + 1] = UInt8(ascii: "c")
        assertEvaluationError("unsupported .npy dtype") { _ = try NpyFile.parse(complex, path: "complex.npy") }
        assertEvaluationError("missing.npy") {
            _ = try FrameLabelFile.read(path: EvalPaths.fixture("npy/int64_c.npy").replacingOccurrences(of: "int64_c", with: "missing"))
        }
    }
}

final class CorruptionFuzzTests: XCTestCase {
    /// Every truncation and many random byte flips of the fixtures either parse or throw: never trap.
    func testTruncatedAndFlippedFilesNeverTrap() throws {
        var rng = SystemRandomNumberGenerator()
        for name in ["mat/cell_plain.mat", "mat/cell_compressed.mat", "npy/int64_c.npy", "npy/cube_f.npy", "npy/v2_int64.npy"] {
            let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: EvalPaths.fixture(name))))
            let parse: ([UInt8]) -> Void = name.hasSuffix(".mat")
                ? { _ = try? MatFile.parse($0, path: name) } : { _ = try? NpyFile.parse($0, path: name) }
            for cut in 0..<good.count { parse(Array(good.prefix(cut))) }
            for _ in 0..<400 {
                var bad = good
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bad[Int.random(in: 0..<bad.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                parse(bad)
            }
        }
    }
}
