import Foundation
import XCTest
@testable import NeuralNet

/// The Gaussian appearance model against NumPy (Ledoit-Wolf shrinkage written from the paper's definition, distances
/// by numpy.linalg.solve; `Scripts/make_gaussian_fixtures.py`), and its small pieces worked by hand.
final class GaussianModelTests: XCTestCase {
    func testMatchesNumPy() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gaussian_model.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let cases = json["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let n = c["count"] as! Int, d = c["dimension"] as! Int
            let rows = (c["rows"] as! [Double]).map(Float.init), queries = (c["queries"] as! [Double]).map(Float.init)
            let model = try XCTUnwrap(GaussianModel(rows: rows, count: n, dimension: d), "n \(n) d \(d)")
            for (a, b) in zip(model.mean, c["mean"] as! [Double]) { XCTAssertEqual(Double(a), b, accuracy: 1e-5) }
            XCTAssertEqual(model.shrinkage, c["shrinkage"] as! Double, accuracy: 1e-4, "n \(n) d \(d)")
            let expected = c["distances"] as! [Double]
            let got = model.distances(queries, count: queries.count / d)
            XCTAssertEqual(got.count, expected.count)
            for (a, b) in zip(got, expected) { XCTAssertEqual(Double(a), b, accuracy: 2e-3 * max(1, b), "n \(n) d \(d)") }
        }
    }

    /// Cholesky and the triangular inverse on a 3 x 3 matrix worked by hand:
    /// [[4, 2, 2], [2, 5, 3], [2, 3, 6]] = L·Lᵀ with L = [[2, 0, 0], [1, 2, 0], [1, 1, 2]].
    func testCholeskyAndInverseWorkedByHand() throws {
        let l = try XCTUnwrap(GaussianModel.cholesky([4, 2, 2, 2, 5, 3, 2, 3, 6], dimension: 3))
        XCTAssertEqual(l, [2, 0, 0, 1, 2, 0, 1, 1, 2])
        let inverse = GaussianModel.invertLower(l, dimension: 3)
        // L⁻¹ = [[1/2, 0, 0], [-1/4, 1/2, 0], [-1/8, -1/4, 1/2]]
        for (a, b) in zip(inverse, [0.5, 0, 0, -0.25, 0.5, 0, -0.125, -0.25, 0.5]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertNil(GaussianModel.cholesky([1, 2, 2, 1], dimension: 2), "not positive definite")
    }

    /// Rows spread equally in every direction need no shrinkage towards the identity to be well estimated... and
    /// identical rows cannot be fitted at all; one row is too few.
    func testDegenerateInputs() {
        XCTAssertNil(GaussianModel(rows: [1, 2, 1, 2, 1, 2], count: 3, dimension: 2), "all rows equal")
        XCTAssertNil(GaussianModel(rows: [1, 2], count: 1, dimension: 2))
        // Four rows at (±1, 0), (0, ±1): S = I/2, already a multiple of the identity, so delta = 0 and the shrinkage 0;
        // the distance of (1, 1) is |(1, 1)|·√2 = 2.
        let model = GaussianModel(rows: [1, 0, -1, 0, 0, 1, 0, -1], count: 4, dimension: 2)!
        XCTAssertEqual(model.shrinkage, 0)
        XCTAssertEqual(model.distances([1, 1], count: 1)[0], 2, accuracy: 1e-6)
    }
}
