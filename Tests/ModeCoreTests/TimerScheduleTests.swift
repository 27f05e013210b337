import ModeCore
import ModeTestKit
import Testing

private typealias Schedule = TimerSchedule<ManualClock>

/// Drives `schedule` for `ticks` ticks on `clock`: wake `wakeDelay` after each deadline, run `work`.
private func drive(
    _ schedule: inout Schedule, clock: ManualClock, ticks: Int,
    wakeDelay: Duration = .zero, work: (Int) -> Duration = { _ in .zero }
) -> [Duration] {
    var starts: [Duration] = []
    for tick in 0..<ticks {
        clock.advance(to: schedule.nextDeadline().advanced(by: wakeDelay))
        starts.append(clock.now.offset)
        _ = schedule.tickStarted(at: clock.now)
        clock.advance(by: work(tick))
        _ = schedule.tickFinished(at: clock.now)
    }
    return starts
}

@Suite("TimerSchedule")
struct TimerScheduleTests {
    @Test func fixedRateWithoutWorkHasNoDrift() {
        let clock = ManualClock()
        var schedule = Schedule(configuration: TimerConfiguration(interval: .milliseconds(10)), startingAt: clock.now)
        let starts = drive(&schedule, clock: clock, ticks: 300)
        #expect(starts == (1...300).map { Duration.milliseconds(10) * $0 })
        #expect(schedule.statistics.iterations == 300)
        #expect(schedule.statistics.drift == .zero)
        #expect(schedule.statistics.late == 0)
    }

    @Test func callbackRuntimeIsCompensated() {
        // mode: a 200 ms timer with 20 ms of work drifts 292 ms in 15 ticks. Here the grid does not move.
        let clock = ManualClock()
        var schedule = Schedule(configuration: TimerConfiguration(interval: .milliseconds(200)), startingAt: clock.now)
        let starts = drive(&schedule, clock: clock, ticks: 15, work: { _ in .milliseconds(20) })
        #expect(starts == (1...15).map { Duration.milliseconds(200) * $0 })
        #expect(schedule.statistics.drift == .zero)
        #expect(schedule.statistics.overlaps == 0)
        #expect(schedule.statistics.maxRuntime == .milliseconds(20))
    }

    @Test func latenessDoesNotAccumulateOver300Ticks() {
        // Every wake-up is 3 ms late and every callback takes 4 ms: the drift stays at one tick's lateness.
        let clock = ManualClock()
        var schedule = Schedule(configuration: TimerConfiguration(interval: .milliseconds(10)), startingAt: clock.now)
        let starts = drive(&schedule, clock: clock, ticks: 300, wakeDelay: .milliseconds(3), work: { _ in .milliseconds(4) })
        #expect(starts.last == .milliseconds(3_003))
        #expect(schedule.statistics.drift == .milliseconds(3))
        #expect(schedule.statistics.maxLateness == .milliseconds(3))
        #expect(schedule.statistics.meanLateness == .milliseconds(3))
        #expect(schedule.statistics.totalLateness == .milliseconds(900))
        #expect(schedule.statistics.late == 0)  // 3 ms is under the 100 ms default threshold
    }

    @Test func runFirstFiresAtOrigin() {
        let clock = ManualClock(start: .init(.seconds(5)))
        var configuration = TimerConfiguration(interval: .seconds(1))
        configuration.runFirst = true
        var schedule = Schedule(configuration: configuration, startingAt: clock.now)
        #expect(schedule.nextDeadline() == clock.now)
        let starts = drive(&schedule, clock: clock, ticks: 3)
        #expect(starts == [.seconds(5), .seconds(6), .seconds(7)])
    }

    @Test func overlapWithSkipRealignsToTheGrid() {
        let clock = ManualClock()
        var schedule = Schedule(configuration: TimerConfiguration(name: "slow", interval: .milliseconds(100)), startingAt: clock.now)
        clock.advance(to: schedule.nextDeadline())
        _ = schedule.tickStarted(at: clock.now)               // tick at 100 ms
        clock.advance(by: .milliseconds(250))                 // ... runs until 350 ms
        let finish = schedule.tickFinished(at: clock.now)
        #expect(finish.overlapped)
        #expect(finish.runtime == .milliseconds(250))
        #expect(finish.warning?.kind == .overlap)
        #expect(finish.warning?.message.contains("Timer slow is overlapping") == true)
        #expect(finish.nextDeadline == .init(.milliseconds(200)))  // already passed: run at once
        let start = schedule.tickStarted(at: clock.now)
        #expect(start.lateness == .milliseconds(150))
        #expect(start.skippedTicks == 1)                       // the 300 ms point is dropped
        _ = schedule.tickFinished(at: clock.now)
        #expect(schedule.nextDeadline() == .init(.milliseconds(400)))
        #expect(schedule.statistics.overlaps == 1)
        #expect(schedule.statistics.skipped == 1)
        #expect(schedule.statistics.iterations == 2)
    }

    @Test func overlapWithRunLateRunsEachMissedTick() {
        let clock = ManualClock()
        var configuration = TimerConfiguration(interval: .milliseconds(100))
        configuration.missedTickPolicy = .runLate
        var schedule = Schedule(configuration: configuration, startingAt: clock.now)
        let starts = drive(&schedule, clock: clock, ticks: 5, work: { $0 == 0 ? .milliseconds(250) : .zero })
        // 100 (runs to 350), 200 and 300 late at 350, then back on the grid.
        #expect(starts == [100, 350, 350, 400, 500].map { Duration.milliseconds($0) })
        #expect(schedule.statistics.skipped == 0)
        #expect(schedule.statistics.overlaps == 1)
        #expect(schedule.statistics.maxLateness == .milliseconds(150))
    }

    @Test func boundedRunLateSkipsTheOldestMissedTicks() {
        let clock = ManualClock()
        var configuration = TimerConfiguration(interval: .milliseconds(100))
        configuration.missedTickPolicy = .runLate(atMost: 2)
        var schedule = Schedule(configuration: configuration, startingAt: clock.now)
        // A stall: the tick due at 100 ms starts at 1050 ms, so points 200...1000 (9) have passed too.
        clock.advance(by: .milliseconds(1_050))
        let start = schedule.tickStarted(at: clock.now)
        #expect(start.lateness == .milliseconds(950))
        #expect(start.skippedTicks == 7)                        // 9 points overdue, the 2 newest run late
        _ = schedule.tickFinished(at: clock.now)
        #expect(schedule.nextDeadline() == .init(.milliseconds(900)))
        let late = drive(&schedule, clock: clock, ticks: 3)
        #expect(late == [1_050, 1_050, 1_100].map { Duration.milliseconds($0) })
        #expect(schedule.statistics.skipped == 7)
        #expect(MissedTickPolicy.runLate(atMost: 2).description == "runLate(atMost: 2)")
    }

    @Test func lateWarningsAreRateLimitedWithASuppressedCount() {
        let clock = ManualClock()
        var configuration = TimerConfiguration(name: "poll", interval: .milliseconds(100))
        configuration.lateWarningThreshold = .milliseconds(20)
        configuration.warningWindow = .seconds(1)
        var schedule = Schedule(configuration: configuration, startingAt: clock.now)
        var warnings: [TimerWarning] = []
        for _ in 0..<25 {
            clock.advance(to: schedule.nextDeadline().advanced(by: .milliseconds(30)))
            if let warning = schedule.tickStarted(at: clock.now).warning { warnings.append(warning) }
            _ = schedule.tickFinished(at: clock.now)
        }
        #expect(schedule.statistics.late == 25)
        #expect(warnings.map(\.suppressedCount) == [0, 9, 9])
        #expect(warnings.allSatisfy { $0.kind == .lateWakeup && $0.amount == .milliseconds(30) })
        #expect(warnings[1].message.contains("Timer poll woke up too late"))
        #expect(warnings[1].message.hasSuffix(" (9 similar lines suppressed)"))
    }

    @Test func earlyWakeUpsAreCountedFromTheThresholdOn() {
        let clock = ManualClock()
        var schedule = Schedule(configuration: TimerConfiguration(interval: .seconds(1)), startingAt: clock.now)
        clock.advance(by: .milliseconds(990))
        let start = schedule.tickStarted(at: clock.now)
        #expect(start.lateness == .milliseconds(-10))
        #expect(start.warning == nil)
        #expect(schedule.statistics.early == 0)            // 10 ms is under mode's 300 ms threshold
        _ = schedule.tickFinished(at: clock.now)
        clock.advance(to: schedule.nextDeadline().advanced(by: .milliseconds(-400)))
        #expect(schedule.tickStarted(at: clock.now).warning?.kind == .earlyWakeup)
        #expect(schedule.statistics.early == 1)
        #expect(schedule.statistics.maxLateness == .zero)
    }

    @Test func defaultThresholdIsModes() {
        #expect(TimerConfiguration(interval: .milliseconds(10)).effectiveLateWarningThreshold == .milliseconds(3))
        #expect(!TimerConfiguration(interval: .milliseconds(999)).judgesDrift)
        #expect(TimerConfiguration(interval: .seconds(1)).judgesDrift)
        #expect(TimerConfiguration(interval: .seconds(1)).effectiveLateWarningThreshold == .milliseconds(300))
        #expect(TimerConfiguration(interval: .seconds(10)).effectiveLateWarningThreshold == .milliseconds(1_200))
        var explicit = TimerConfiguration(interval: .milliseconds(10))
        explicit.lateWarningThreshold = .milliseconds(5)
        #expect(explicit.judgesDrift)
    }

    @Test func drivesAnAsyncLoopOnTheManualClock() async throws {
        let clock = ManualClock()
        let configuration = TimerConfiguration(interval: .seconds(1))
        let loop = Task { () -> TimerStatistics in
            var schedule = Schedule(configuration: configuration, startingAt: clock.now)
            for _ in 0..<3 {
                try await clock.sleep(until: schedule.nextDeadline())
                _ = schedule.tickStarted(at: clock.now)
                _ = schedule.tickFinished(at: clock.now)
            }
            return schedule.statistics
        }
        for _ in 0..<3 {
            await clock.waitForSleepers(count: 1)
            clock.advance(by: .seconds(1))
        }
        let statistics = try await loop.value
        #expect(statistics.iterations == 3)
        #expect(statistics.drift == .zero)
        #expect(clock.now == .init(.seconds(3)))
    }
}
