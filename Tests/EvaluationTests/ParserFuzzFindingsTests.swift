import Foundation
import XCTest
@testable import Evaluation

/// Inputs found with the fuzz targets of `Scripts/fuzz.sh` (docs/reliability.md): each is refused in one line naming
/// the file and the problem, where it used to trap or exhaust the stack.
final class ParserFuzzFindingsTests: XCTestCase {
    private func le(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// A MAT v5 file (little-endian) whose variable is a 1 x 1 cell holding a 1 x 1 cell ... `depth` times around a
    /// 1 x 1 double. Built outside in, in linear time: each level is its flags, dimensions and empty name, then the
    /// tag of the miMATRIX element it holds.
    private func nestedCells(depth: Int) -> [UInt8] {
        let flags = le(6) + le(8), dimensions = le(5) + le(8) + le(1) + le(1), name = le(1) + le(0)
        func level(_ classID: UInt8) -> [UInt8] { flags + [classID, 0, 0, 0, 0, 0, 0, 0] + dimensions + name }
        let innermost = level(6) + le(9) + le(8) + [0, 0, 0, 0, 0, 0, 0xF0, 0x3F]
        var bytes = [UInt8](repeating: 0x20, count: 128)
        bytes[124] = 0; bytes[125] = 1; bytes[126] = UInt8(ascii: "I"); bytes[127] = UInt8(ascii: "M")
        bytes.reserveCapacity(128 + 48 * depth + 8 + innermost.count)
        var length = innermost.count + 48 * depth  // the contents of the top-level element
        bytes += le(14) + le(length)
        for _ in 0..<depth {
            length -= 48
            bytes += level(1) + le(14) + le(length)
        }
        return bytes + innermost
    }

    /// Cells nested 100,000 deep (a 4.8 MB file) overflowed the stack of the recursive reader.
    func testDeeplyNestedCellsAreRefused() throws {
        XCTAssertThrowsError(try MatFile.parse(nestedCells(depth: 100_000), path: "deep.mat")) { error in
            XCTAssertEqual("\(error)", "deep.mat: corrupt MAT-file: cells nested more than \(MatReader.maximumCellDepth) deep")
        }
        // Nesting within the bound still reads, down to the innermost value.
        var value = try XCTUnwrap(MatFile.parse(nestedCells(depth: MatReader.maximumCellDepth), path: "shallow.mat").values.first)
        var depth = 0
        while case .cell(_, let elements) = value, let inner = elements.first { value = inner; depth += 1 }
        guard case .numeric(let array) = value else { return XCTFail("no numeric array at the bottom: \(value)") }
        XCTAssertEqual(depth, MatReader.maximumCellDepth)
        XCTAssertEqual(array.value(at: 0), 1)
    }
}
