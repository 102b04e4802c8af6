/// Binary ROC curves and their area, computed like scikit-learn's `roc_curve` / `roc_auc_score`:
/// samples sorted by score (descending), one threshold per distinct score (tied samples move together,
/// giving a diagonal step), trapezoid area. Scores are compared as given (no normalisation).
public struct ROCCurve: Sendable {
    /// Cumulative false and true positive counts at each threshold, starting with (0, 0).
    public let falsePositives: [Int]
    public let truePositives: [Int]
    /// The threshold of each point (the first point's is +infinity, as in scikit-learn).
    public let thresholds: [Double]
    public let positives: Int
    public let negatives: Int

    /// Builds the curve. `labels` are 0 (normal) or non-zero (anomalous); `scores` must not hold NaN.
    public init(labels: [UInt8], scores: [Double]) {
        precondition(labels.count == scores.count, "labels and scores differ in length")
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var fp = [0], tp = [0], thresholds = [Double.infinity]
        var cumTP = 0, cumFP = 0
        for (k, i) in order.enumerated() {
            if labels[i] != 0 { cumTP += 1 } else { cumFP += 1 }
            // A threshold closes after the last sample of each distinct score.
            if k == order.count - 1 || scores[order[k + 1]] != scores[i] {
                fp.append(cumFP)
                tp.append(cumTP)
                thresholds.append(scores[i])
            }
        }
        falsePositives = fp
        truePositives = tp
        self.thresholds = thresholds
        positives = cumTP
        negatives = cumFP
    }

    /// False and true positive rates (empty when a class is missing).
    public var points: [(fpr: Double, tpr: Double)] {
        guard positives > 0, negatives > 0 else { return [] }
        return zip(falsePositives, truePositives).map { (Double($0) / Double(negatives), Double($1) / Double(positives)) }
    }

    /// Area under the curve; nil when only one class is present (undefined, scikit-learn raises).
    /// Computed from integer counts, so the trapezoids are exact before the final division.
    public var area: Double? {
        guard positives > 0, negatives > 0 else { return nil }
        var twiceArea = 0.0
        for k in 1..<falsePositives.count {
            twiceArea += Double(falsePositives[k] - falsePositives[k - 1]) * Double(truePositives[k] + truePositives[k - 1])
        }
        return twiceArea / 2 / (Double(positives) * Double(negatives))
    }
}

/// ROC AUC of one set of frames; nil when all labels are equal.
public func rocAUC(labels: [UInt8], scores: [Double]) -> Double? {
    ROCCurve(labels: labels, scores: scores).area
}

/// Trapezoid area under a polyline given by increasing x (like `sklearn.metrics.auc`).
public func trapezoidArea(x: [Double], y: [Double]) -> Double {
    precondition(x.count == y.count)
    var area = 0.0
    for k in x.indices.dropFirst() { area += (x[k] - x[k - 1]) * (y[k] + y[k - 1]) / 2 }
    return area
}
