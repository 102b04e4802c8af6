import CBLAS

// Nearest neighbours of unit vectors by inner product: for unit vectors |q - b|² = 2 - 2 q·b, so the nearest
// entry is the one with the largest inner product, and a whole batch of queries is one GEMM against the bank.

/// For each query row, the largest inner product with a bank row whose group differs from the query's group.
///
/// queries: (n, d) row-major; bank: (k, d) row-major.
/// queryGroups (n) / bankGroups (k): nil = every bank row is allowed; otherwise a bank row of the query's own group
/// is skipped (leave-one-group-out). A query with no allowed row gets -infinity.
/// Returns (n).
public func maxInnerProducts(queries: UnsafePointer<Float>, count n: Int, bank: UnsafePointer<Float>, bankCount k: Int,
                             dimension d: Int, queryGroups: [Int]? = nil, bankGroups: [Int]? = nil) -> [Float] {
    maxInnerProducts(queries: queries, count: n, bank: bank, bankCount: k, dimension: d, queryGroups: queryGroups,
                     bankGroups: bankGroups, rowBlock: 1024, bankBlock: 2048)
}

/// `maxInnerProducts` with the block sizes given (tests use small ones to cross block edges).
func maxInnerProducts(queries: UnsafePointer<Float>, count n: Int, bank: UnsafePointer<Float>, bankCount k: Int,
                      dimension d: Int, queryGroups: [Int]?, bankGroups: [Int]?, rowBlock: Int, bankBlock: Int) -> [Float] {
    precondition((queryGroups == nil) == (bankGroups == nil), "groups must be given for both sides or for neither")
    precondition(rowBlock > 0 && bankBlock > 0)
    guard n > 0 else { return [] }
    guard k > 0 else { return [Float](repeating: -.infinity, count: n) }
    var best = [Float](repeating: -.infinity, count: n)
    // Queries split over the Swift workers (BLAS runs single-threaded under that plan); each worker's queries in
    // blocks of rowBlock and the bank in blocks of bankBlock, so a worker's (queries, bank) product stays at
    // rowBlock x bankBlock values (8 MB) whatever the number of queries and the bank's size: the leave-one-video-out
    // pass over a bank of 32768 entries queries all of them at once.
    best.withUnsafeMutableBufferPointer { bestBuffer in
        let best = bestBuffer.baseAddress!
        parallelChunks(n) { _, workerRows in
            var products = [Float](repeating: 0, count: min(rowBlock, workerRows.count) * min(bankBlock, k))
            for rowStart in stride(from: workerRows.lowerBound, to: workerRows.upperBound, by: rowBlock) {
                let rows = rowStart..<min(rowStart + rowBlock, workerRows.upperBound)
                var start = 0
                while start < k {
                    let m = min(bankBlock, k - start)
                    // products (rows, m) = queries[rows] (rows, d) · bank[start ..< start + m]ᵀ (d, m)
                    products.withUnsafeMutableBufferPointer { p in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows.count), Int32(m), Int32(d),
                                    1, queries + rows.lowerBound * d, Int32(d), bank + start * d, Int32(d), 0, p.baseAddress!, Int32(m))
                    }
                    for i in rows {
                        var top = best[i]
                        let row = (i - rows.lowerBound) * m
                        if let queryGroups, let bankGroups {
                            let own = queryGroups[i]
                            for j in 0..<m where bankGroups[start + j] != own { top = max(top, products[row + j]) }
                        } else {
                            for j in 0..<m { top = max(top, products[row + j]) }
                        }
                        best[i] = top
                    }
                    start += m
                }
            }
        }
    }
    return best
}

/// Reference for `maxInnerProducts`: plain loops, no BLAS.
public func maxInnerProductsNaive(queries: [Float], count n: Int, bank: [Float], bankCount k: Int, dimension d: Int,
                                  queryGroups: [Int]? = nil, bankGroups: [Int]? = nil) -> [Float] {
    (0..<n).map { i in
        var top = -Float.infinity
        for j in 0..<k {
            if let queryGroups, let bankGroups, queryGroups[i] == bankGroups[j] { continue }
            var dot: Float = 0
            for c in 0..<d { dot += queries[i * d + c] * bank[j * d + c] }
            top = max(top, dot)
        }
        return top
    }
}
