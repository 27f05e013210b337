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
        var generator = SplitMix64(seed: 42)
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
}
