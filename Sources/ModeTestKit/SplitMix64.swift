/// A small, fast, deterministic random number generator (SplitMix64), so a test that uses random input can
/// be replayed from its seed.
///
/// ```swift
/// var generator = SplitMix64(seed: 42)
/// let bytes = (0..<1_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
