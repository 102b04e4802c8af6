import Foundation

/// The learning rate of each main-training epoch. Constant is the spec's plain Adam at `--lr`; cosine lowers it
/// epoch by epoch along half a cosine, so the last epochs take small steps and the kept checkpoint depends less
/// on where a large step happened to land (with a constant rate the validation loss of Ped2 jumped between
/// 0.09 and 0.52 from one epoch to the next).
public enum LearningRateSchedule: String, Sendable, CaseIterable {
    case constant
    case cosine

    /// Rate of epoch `epoch` (0-based) of `epochs`: cosine gives base · ½(1 + cos(π · epoch / epochs)), i.e. the
    /// base rate in the first epoch and base · ½(1 + cos(π (E−1)/E)) in the last (never 0).
    public func rate(base: Float, epoch: Int, epochs: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .cosine:
            guard epochs > 0 else { return base }
            let progress = Double(min(max(epoch, 0), epochs)) / Double(epochs)
            return base * Float(0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}
