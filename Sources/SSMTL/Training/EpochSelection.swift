import Foundation

/// Which epoch's weights a training run keeps, main and student phases alike: the one whose validation videos,
/// replayed with fast-forwarded and reversed segments and scored as `ssmtl score` scores a video, give the highest
/// frame AUC (`SigmaCalibration`'s pseudo-anomalies, best σ of its grid). The validation loss, a proxy for the frame
/// score, decides only when no validation video is long enough to replay; the validation videos are the same in
/// every epoch, so that holds for the whole run.
enum EpochSelection {
    /// Whether an epoch with this validation loss and replay AUC replaces the best so far. An equal value keeps the
    /// earlier epoch.
    static func replacesBest(loss: Double, replayAUC: Double?, bestLoss: Double, bestReplayAUC: Double?) -> Bool {
        guard let replayAUC else { return loss < bestLoss }
        return replayAUC > (bestReplayAUC ?? -.infinity)
    }
}
