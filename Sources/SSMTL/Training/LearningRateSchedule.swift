import Foundation

/// The learning rate of each main-training epoch, lowered along half a cosine: the last epochs take small steps, so
/// the kept checkpoint depends less on where a large step happened to land (with a constant rate Ped2's validation
/// loss jumped between 0.09 and 0.52 from one epoch to the next; docs/experiments.md).
public enum LearningRateSchedule {
    /// Rate of epoch `epoch` (0-based) of `epochs`: base · ½(1 + cos(π · epoch / epochs)), i.e. the base rate in the
    /// first epoch and base · ½(1 + cos(π (E−1)/E)) in the last (never 0).
    public static func rate(base: Float, epoch: Int, epochs: Int) -> Float {
        guard epochs > 0 else { return base }
        let progress = Double(min(max(epoch, 0), epochs)) / Double(epochs)
        return base * Float(0.5 * (1 + cos(Double.pi * progress)))
    }
}
