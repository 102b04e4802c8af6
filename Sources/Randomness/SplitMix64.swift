/// A small, fast, seedable generator (SplitMix64): the same seed gives the same numbers on every machine,
/// which makes training, synthetic data and tests reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A generator for (seed, epoch, purpose) that does not depend on anything drawn before: a run resumed at
    /// epoch e draws exactly what an uninterrupted run draws there.
    public static func derived(seed: UInt64, epoch: Int, purpose: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed &+ 0xA076_1D64_78BD_642F &* UInt64(epoch + 1) ^ (purpose &* 0xE703_7ED1_A0B4_28DB))
        return SplitMix64(seed: mixer.next())
    }
}
