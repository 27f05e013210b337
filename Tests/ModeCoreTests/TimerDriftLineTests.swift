import Logging
import ModeCore
import ModeTestKit
import Testing

private typealias Schedule = TimerSchedule<ManualClock>

/// mode's `tests/functional/test_timers.py` scenarios on the fixed-rate schedule: each tick wakes on its grid
/// point (or `skew` early/late at tick 4) and its callback runs `runtime` (or longer at tick 5).
private struct DriftScenario {
    var interval: Duration
    var runtime: Duration = .milliseconds(10)
    /// Wake-up offset per tick number (1-based); positive = late.
    var wake: [Int: Duration] = [:]
    /// Callback run time per tick number, when not `runtime`.
    var work: [Int: Duration] = [:]

    func run(ticks: Int = 6) -> (lines: [TimerWarning], statistics: TimerStatistics) {
        let clock = ManualClock(start: .init(.seconds(9)))
        var schedule = Schedule(configuration: TimerConfiguration(name: "test", interval: interval), startingAt: clock.now)
        var lines: [TimerWarning] = []
        for tick in 1...ticks {
            let deadline = schedule.nextDeadline().advanced(by: wake[tick] ?? .zero)
            if deadline > clock.now { clock.advance(to: deadline) }
            if let line = schedule.tickStarted(at: clock.now).warning { lines.append(line) }
            clock.advance(by: work[tick] ?? runtime)
            if let line = schedule.tickFinished(at: clock.now).warning { lines.append(line) }
        }
        return (lines, schedule.statistics)
    }
}

@Suite("Timer drift and overlap lines, as mode logs them")
struct TimerDriftLineTests {
    static let skews: [(interval: Duration, skew: Duration)] = [
        (.seconds(1), .milliseconds(300)), (.seconds(1), .milliseconds(500)), (.seconds(30), .seconds(5)),
    ]

    @Test("too early: one INFO line 'woke up too early, with a drift of -…', drifting_early 1", arguments: skews)
    func tooEarly(interval: Duration, skew: Duration) {
        let (lines, statistics) = DriftScenario(interval: interval, wake: [4: .zero - skew]).run()
        #expect(lines.count == 1)
        let line = lines.first
        #expect(line?.kind == .earlyWakeup && line?.level == .info)
        #expect(line?.message.hasPrefix("Timer test woke up too early, with a drift of -\(seconds(skew)) runtime=0.01 sleeptime=") == true)
        #expect(statistics.early == 1 && statistics.late == 0 && statistics.drifting == 1)
    }

    @Test("too late: one INFO line 'woke up too late, with a drift of +…', drifting_late 1", arguments: skews)
    func tooLate(interval: Duration, skew: Duration) {
        let (lines, statistics) = DriftScenario(interval: interval, wake: [4: skew]).run()
        #expect(lines.map(\.kind) == [.lateWakeup])
        #expect(lines.first?.level == .info)
        let sleep = seconds(interval - .milliseconds(10) + skew)
        #expect(lines.first?.message == "Timer test woke up too late, with a drift of +\(seconds(skew)) runtime=0.01 sleeptime=\(sleep)")
        #expect(statistics.late == 1 && statistics.early == 0 && statistics.drifting == 1)
    }

    @Test("the threshold is min(interval · 0.3, 1.2 s): just under it, nothing is logged or counted")
    func underTheThreshold() {
        let oneSecond = DriftScenario(interval: .seconds(1), wake: [2: .milliseconds(299), 3: .milliseconds(-299)]).run()
        #expect(oneSecond.lines.isEmpty && oneSecond.statistics.drifting == 0)
        let tenSeconds = DriftScenario(interval: .seconds(10), wake: [2: .milliseconds(1_199), 4: .milliseconds(1_200)]).run()
        #expect(tenSeconds.lines.map(\.kind) == [.lateWakeup])   // 1.2 s, not 3 s
    }

    @Test("intervals under 1 s never judge drift, as in mode")
    func subSecondIntervalsAreNotJudged() {
        let (lines, statistics) = DriftScenario(interval: .milliseconds(500), wake: [2: .milliseconds(400), 4: .milliseconds(-400)]).run()
        #expect(lines.isEmpty)
        #expect(statistics.late == 0 && statistics.early == 0)
    }

    @Test("a 1.5 s callback on a 1 s timer: one WARNING 'is overlapping (interval=1.0 runtime=1.5)', and no drift line")
    func overlap() {
        let (lines, statistics) = DriftScenario(interval: .seconds(1), work: [2: .milliseconds(1_500)]).run()
        #expect(lines.map(\.message) == ["Timer test is overlapping (interval=1.0 runtime=1.5)"])
        #expect(lines.first?.level == .warning && lines.first?.kind == .overlap)
        #expect(statistics.overlaps == 1 && statistics.drifting == 0)
    }

    @Test("every occurrence is logged by default; a warning window rate-limits them")
    func everyOccurrenceByDefault() {
        let (lines, statistics) = DriftScenario(interval: .seconds(1), work: [1: .seconds(2), 3: .seconds(2), 5: .seconds(2)]).run()
        #expect(lines.filter { $0.kind == .overlap }.count == 3)
        #expect(statistics.overlaps == 3)
    }

    @Test("a service timer logs the drift line at INFO with mode's text")
    func serviceTimerLogsAtInfo() async throws {
        let capture = LogCapture()
        let host = TimerHost("DriftHost", configuration: TimerConfiguration(name: "tick", interval: .seconds(1)), capture: capture)
        try await host.start()
        await host.clock.waitForSleepers(count: 1)
        host.clock.advance(to: .init(.milliseconds(1_500)))
        await host.clock.waitForSleepers(count: 1)
        let drift = capture.records.filter { $0.message.contains("woke up too late") }
        #expect(drift.map(\.level) == [.info])
        #expect(drift.first?.message == "Timer tick woke up too late, with a drift of +0.5 runtime=0.0 sleeptime=1.5")
        #expect(host.timerStatistics(named: "tick")?.late == 1)
        await host.stop()
    }

    private func seconds(_ duration: Duration) -> String {
        let (whole, attoseconds) = duration.components
        return "\(Double(whole * 1_000_000_000 + attoseconds / 1_000_000_000) / 1e9)"
    }
}
