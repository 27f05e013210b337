import ModeCore

/// Timer accuracy on the real clock, driven exactly like a service timer: `TimerSchedule` gives each deadline,
/// the task sleeps until it (`Task.sleep(until:)`), records the tick, runs the work, records the finish.
///
/// ```swift
/// let result = try await TimerBench.run(interval: .milliseconds(10), ticks: 300, work: .zero)
/// print(result.drift)
/// ```
public enum TimerBench {
    /// Lateness statistics of one run.
    public struct Result: Sendable {
        /// Interval and tick count.
        public var interval: Duration
        /// Ticks run.
        public var ticks: Int
        /// Simulated work per tick.
        public var work: Duration
        /// Mean lateness of a tick.
        public var meanLateness: Duration
        /// 99th percentile lateness.
        public var p99Lateness: Duration
        /// Largest lateness.
        public var maxLateness: Duration
        /// Drift at the end: how late the last tick ran against its grid point origin + k × interval.
        public var drift: Duration
        /// Ticks skipped because they were missed.
        public var skipped: Int
    }

    /// Runs `ticks` ticks of `interval`; each tick busy-waits `work` (a CPU-bound callback).
    public static func run(interval: Duration, ticks: Int, work: Duration) async throws -> Result {
        let clock = ContinuousClock()
        var schedule = TimerSchedule<ContinuousClock>(
            configuration: TimerConfiguration(name: "bench", interval: interval), startingAt: clock.now)
        var lateness: [Duration] = []
        lateness.reserveCapacity(ticks)
        var skipped = 0
        for _ in 0..<ticks {
            try await Task.sleep(until: schedule.nextDeadline(), clock: clock)
            let tick = schedule.tickStarted(at: clock.now)
            lateness.append(tick.lateness)
            skipped += tick.skippedTicks
            if work > .zero {
                let end = clock.now + work
                while clock.now < end {}
            }
            _ = schedule.tickFinished(at: clock.now)
        }
        let sorted = lateness.sorted()
        let total = lateness.reduce(Duration.zero, +)
        return Result(
            interval: interval, ticks: ticks, work: work,
            meanLateness: total / lateness.count,
            p99Lateness: sorted[min(sorted.count - 1, sorted.count * 99 / 100)],
            maxLateness: sorted.last ?? .zero,
            drift: lateness.last ?? .zero, skipped: skipped)
    }
}
