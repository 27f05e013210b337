import ModeCore
import ModeTestKit
import Testing

@Suite("RestartIntensity")
struct RestartIntensityTests {
    @Test("matches a naive sliding window over thousands of restarts with a generous limit")
    func matchesNaiveWindow() {
        var intensity = RestartIntensity<ManualClock>(maxRestarts: 500, period: .milliseconds(100))
        var naive: [ManualClock.Instant] = []
        var now = ManualClock.Instant(.zero)
        var generator = SplitMix(seed: 42)
        for _ in 0..<5_000 {
            now = now.advanced(by: .microseconds(Int64(generator.next() % 400)))
            naive.removeAll { $0.duration(to: now) >= .milliseconds(100) }
            let expected = naive.count < 500
            if expected { naive.append(now) }
            #expect(intensity.recordRestart(at: now) == expected)
            #expect(intensity.restartCount(at: now) == naive.count)
        }
        let later = now.advanced(by: .milliseconds(50))
        #expect(intensity.restartCount(at: later) == naive.filter { $0.duration(to: later) < .milliseconds(100) }.count)
    }

    /// A tiny deterministic generator, so the sequence of gaps is the same on every run.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
