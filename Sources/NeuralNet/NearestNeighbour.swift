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
    precondition((queryGroups == nil) == (bankGroups == nil), "groups must be given for both sides or for neither")
    guard n > 0 else { return [] }
    guard k > 0 else { return [Float](repeating: -.infinity, count: n) }
    var best = [Float](repeating: -.infinity, count: n)
    // Queries split over the Swift workers (BLAS runs single-threaded under that plan); the bank in blocks, so each
    // worker's (queries, block) product stays small whatever the bank's size.
    let block = 2048
    best.withUnsafeMutableBufferPointer { bestBuffer in
        let best = bestBuffer.baseAddress!
        parallelChunks(n) { _, rows in
            var products = [Float](repeating: 0, count: rows.count * min(block, k))
            var start = 0
            while start < k {
                let m = min(block, k - start)
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
