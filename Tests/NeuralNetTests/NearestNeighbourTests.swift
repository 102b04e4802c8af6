import XCTest
@testable import NeuralNet

final class NearestNeighbourTests: XCTestCase {
    /// The blocked GEMM path against plain loops, with and without groups, for a bank larger than one block, with
    /// the queries on one worker and split over two.
    func testFastMatchesNaive() {
        var rng = RNG(seed: 5)
        let (n, k, d) = (7, 2500, 13)
        let queries = (0..<(n * d)).map { _ in rng.normal() }
        let bank = (0..<(k * d)).map { _ in rng.normal() }
        let queryGroups = (0..<n).map { $0 % 3 }, bankGroups = (0..<k).map { ($0 * 7) % 3 }
        defer { Threads.configure(threads: 1) }
        for (grouped, parallel) in [(false, false), (true, false), (false, true), (true, true)] {
            Threads.configure(threads: 2, preferBLAS: !parallel)
            let fast = queries.withUnsafeBufferPointer { q in bank.withUnsafeBufferPointer { b in
                maxInnerProducts(queries: q.baseAddress!, count: n, bank: b.baseAddress!, bankCount: k, dimension: d,
                                 queryGroups: grouped ? queryGroups : nil, bankGroups: grouped ? bankGroups : nil)
            } }
            let naive = maxInnerProductsNaive(queries: queries, count: n, bank: bank, bankCount: k, dimension: d,
                                              queryGroups: grouped ? queryGroups : nil, bankGroups: grouped ? bankGroups : nil)
            assertClose(fast, naive, "max inner products, grouped: \(grouped), parallel: \(parallel)")
            // Small blocks: query blocks (3 rows) and bank blocks (1000 rows) that do not divide the counts.
            let blocked = queries.withUnsafeBufferPointer { q in bank.withUnsafeBufferPointer { b in
                maxInnerProducts(queries: q.baseAddress!, count: n, bank: b.baseAddress!, bankCount: k, dimension: d,
                                 queryGroups: grouped ? queryGroups : nil, bankGroups: grouped ? bankGroups : nil,
                                 rowBlock: 3, bankBlock: 1000)
            } }
            assertClose(blocked, naive, "small blocks, grouped: \(grouped), parallel: \(parallel)")
        }
    }

    /// Worked by hand: two queries, three bank rows; leaving out the own group changes the answer.
    func testWorkedExample() {
        let bank: [Float] = [1, 0, 0, 1, 0.6, 0.8]
        let queries: [Float] = [1, 0, 0, 1]
        let plain = maxInnerProductsNaive(queries: queries, count: 2, bank: bank, bankCount: 3, dimension: 2)
        XCTAssertEqual(plain, [1, 1])
        let fast = queries.withUnsafeBufferPointer { q in bank.withUnsafeBufferPointer { b in
            maxInnerProducts(queries: q.baseAddress!, count: 2, bank: b.baseAddress!, bankCount: 3, dimension: 2,
                             queryGroups: [0, 1], bankGroups: [0, 1, 2])
        } }
        XCTAssertEqual(fast[0], 0.6, accuracy: 1e-6, "row 0 is the query's own group: the next best is row 2")
        XCTAssertEqual(fast[1], 0.8, accuracy: 1e-6)
        let lonely = queries.withUnsafeBufferPointer { q in bank.withUnsafeBufferPointer { b in
            maxInnerProducts(queries: q.baseAddress!, count: 1, bank: b.baseAddress!, bankCount: 1, dimension: 2,
                             queryGroups: [4], bankGroups: [4])
        } }
        XCTAssertEqual(lonely, [-.infinity], "no row of another group")
    }
}
