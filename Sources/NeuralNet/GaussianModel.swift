import CBLAS

// A multivariate Gaussian of feature rows, for Mahalanobis novelty scores (Rippel et al. 2020; PaDiM): the mean and
// the covariance shrunk towards a multiple of the identity by the Ledoit-Wolf (2004) rule, so the shrinkage comes
// from the data and the estimate stays invertible with fewer rows than dimensions.

public struct GaussianModel: Sendable {
    public let dimension: Int
    /// Mean of the fitted rows.
    public let mean: [Float]
    /// Ledoit-Wolf shrinkage intensity in [0, 1]: Σ = (1 − s)·S + s·(tr S / d)·I, S the sample covariance (1/n).
    public let shrinkage: Double
    /// W = L⁻¹ with Σ = L·Lᵀ (lower triangular, row-major d x d): the Mahalanobis distance of x is |W(x − μ)|.
    let whitening: [Float]

    /// Fits rows (n x d, row-major). Nil with fewer than two rows, or when the shrunk covariance is not positive
    /// definite (all rows equal).
    public init?(rows: [Float], count n: Int, dimension d: Int) {
        precondition(rows.count == n * d && d > 0)
        guard n >= 2 else { return nil }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { mean[k] += Double(rows[i * d + k]) } }
        for k in 0..<d { mean[k] /= Double(n) }
        var centred = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for k in 0..<d { centred[i * d + k] = Float(Double(rows[i * d + k]) - mean[k]) } }
        // S = XᵀX / n for the centred rows X (one GEMM; the sums are then taken in Double).
        var gram = [Float](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { x in
            gram.withUnsafeMutableBufferPointer { g in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n),
                            1, x.baseAddress!, Int32(d), x.baseAddress!, Int32(d), 0, g.baseAddress!, Int32(d))
            }
        }
        let cov = gram.map { Double($0) / Double(n) }
        let s = GaussianModel.ledoitWolfShrinkage(centred: centred, count: n, dimension: d, covariance: cov)
        var trace = 0.0
        for k in 0..<d { trace += cov[k * d + k] }
        let mu = trace / Double(d)
        var shrunk = cov.map { (1 - s) * $0 }
        for k in 0..<d { shrunk[k * d + k] += s * mu }
        guard let lower = GaussianModel.cholesky(shrunk, dimension: d) else { return nil }
        dimension = d
        self.mean = mean.map(Float.init)
        shrinkage = s
        whitening = GaussianModel.invertLower(lower, dimension: d).map(Float.init)
    }

    /// The Ledoit-Wolf shrinkage intensity of centred rows (the formula of scikit-learn's `ledoit_wolf_shrinkage`):
    /// β/δ clipped to [0, 1], δ = |S − μI|²_F / d, β = (Σ_k |x_k|⁴ / n − |S|²_F) / (d·n).
    static func ledoitWolfShrinkage(centred x: [Float], count n: Int, dimension d: Int, covariance s: [Double]) -> Double {
        var fourth = 0.0, trace = 0.0, frobenius = 0.0
        for i in 0..<n {
            var squared = 0.0
            for k in 0..<d { let v = Double(x[i * d + k]); squared += v * v }
            fourth += squared * squared
        }
        for k in 0..<d { trace += s[k * d + k] }
        for v in s { frobenius += v * v }
        let mu = trace / Double(d)
        let delta = (frobenius - 2 * mu * trace + Double(d) * mu * mu) / Double(d)
        let beta = min((fourth / Double(n) - frobenius) / (Double(d) * Double(n)), delta)
        return delta > 0 ? max(0, beta / delta) : 0
    }

    /// Lower-triangular L with A = L·Lᵀ (row-major), or nil when A is not positive definite.
    static func cholesky(_ a: [Double], dimension d: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            var diagonal = a[j * d + j]
            for k in 0..<j { diagonal -= l[j * d + k] * l[j * d + k] }
            guard diagonal > 0, diagonal.isFinite else { return nil }
            let pivot = diagonal.squareRoot()
            l[j * d + j] = pivot
            for i in (j + 1)..<d {
                var sum = a[i * d + j]
                for k in 0..<j { sum -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = sum / pivot
            }
        }
        return l
    }

    /// L⁻¹ of a lower-triangular L (row-major; the inverse is lower triangular too), by forward substitution.
    static func invertLower(_ l: [Double], dimension d: Int) -> [Double] {
        var inverse = [Double](repeating: 0, count: d * d)
        for column in 0..<d {
            // Solve L·y = e_column; y is column `column` of L⁻¹ (zero above the diagonal).
            for i in column..<d {
                var sum = i == column ? 1.0 : 0.0
                for k in column..<i { sum -= l[i * d + k] * inverse[k * d + column] }
                inverse[i * d + column] = sum / l[i * d + i]
            }
        }
        return inverse
    }

    /// Mahalanobis distance of each of the `n` rows to the mean: |W(x − μ)|, as one GEMM per call.
    public func distances(_ rows: [Float], count n: Int) -> [Float] {
        precondition(rows.count == n * dimension)
        guard n > 0 else { return [] }
        let d = dimension
        var centred = rows
        for i in 0..<n { for k in 0..<d { centred[i * d + k] -= mean[k] } }
        var whitened = [Float](repeating: 0, count: n * d)
        centred.withUnsafeBufferPointer { x in
            whitening.withUnsafeBufferPointer { w in
                whitened.withUnsafeMutableBufferPointer { y in
                    // Y (n, d) = X (n, d) · Wᵀ (d, d)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(d), Int32(d),
                                1, x.baseAddress!, Int32(d), w.baseAddress!, Int32(d), 0, y.baseAddress!, Int32(d))
                }
            }
        }
        return (0..<n).map { i in
            var sum: Float = 0
            for k in 0..<d { sum += whitened[i * d + k] * whitened[i * d + k] }
            return sum.squareRoot()
        }
    }
}
