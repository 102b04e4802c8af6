import Foundation

/// Which main-training epoch's weights are kept (`train --select-epoch`).
/// - loss: the lowest validation loss, the sum of the four tasks' losses on the held-out objects.
/// - replay: the highest frame AUC on the validation videos replayed with fast-forwarded and reversed segments
///   (the σ calibration's pseudo-anomalies, best σ of its grid), scored as `ssmtl score` scores a video. The loss
///   is a proxy for the frame score; the replay AUC measures the frame score itself, but only on motion anomalies.
public enum EpochSelection: String, Sendable, CaseIterable {
    case loss
    case replay

    /// Whether an epoch with this validation loss and replay AUC replaces the best so far. An equal value keeps the
    /// earlier epoch. Without a replay AUC (no validation video long enough to replay) the loss decides: the
    /// validation videos are the same in every epoch, so that holds for the whole run.
    public func replacesBest(loss: Double, replayAUC: Double?, bestLoss: Double, bestReplayAUC: Double?) -> Bool {
        switch self {
        case .loss:
            return loss < bestLoss
        case .replay:
            guard let replayAUC else { return loss < bestLoss }
            return replayAUC > (bestReplayAUC ?? -.infinity)
        }
    }
}
