import Foundation
import XCTest
@testable import Evaluation

/// `score --npy` writes what NumPy's own `np.save` writes, byte for byte (fixtures: Scripts/make_npy_writer_fixtures.py).
final class NpyWriterTests: XCTestCase {
    func testFloat32VectorEqualsNumpysFile() throws {
        let ramp = (0..<1000).map { Float(Double($0) * 0.37 - 50) }
        for (name, values) in [("four", [0.5, -1.25, 3e-7, 1234.5] as [Float]), ("empty", []), ("ramp", ramp)] {
            let expected = try Data(contentsOf: URL(fileURLWithPath: EvalPaths.fixture("npy_written/\(name).npy")))
            XCTAssertEqual(NpyFile.float32Vector(values), expected, name)
        }
    }

    func testFloat32VectorReadsBack() throws {
        let values: [Float] = [1, -2.5, .greatestFiniteMagnitude, 0]
        let array = try NpyFile.parse([UInt8](NpyFile.float32Vector(values)), path: "x.npy")
        XCTAssertEqual(array.shape, [4])
        XCTAssertEqual(array.rowMajorValues(), values.map(Double.init))
    }
}
