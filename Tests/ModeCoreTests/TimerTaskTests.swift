import Logging
import ModeCore
import ModeTestKit
import Synchronization
import Testing

/// A service with one timer whose callback records the clock and can simulate work on the clock.
final class TimerHost: Service {
    let lifecycle: ServiceLifecycleState
    let clock: ManualClock
    let ticks = Mutex<[Duration]>([])
    let configuration: TimerConfiguration
    /// Simulated run time of the callback, per tick number (1-based).
    let work: @Sendable (Int) -> Duration

    init(
        _ label: String, configuration: TimerConfiguration, capture: LogCapture = LogCapture(),
        work: @escaping @Sendable (Int) -> Duration = { _ in .zero }
    ) {
        clock = ManualClock()
        lifecycle = ServiceLifecycleState(clock: clock, logger: capture.logger, label: label)
        self.configuration = configuration
        self.work = work
    }

    var tasks: [ServiceTask] {
        [.timer(configuration) {
            let count = self.ticks.withLock { ticks in
                ticks.append(self.clock.now.offset)
                return ticks.count
            }
            let duration = self.work(count)
            if duration > .zero { try await self.clock.sleep(for: duration) }
        }]
    }

    var tickTimes: [Duration] { ticks.withLock { $0 } }

    /// Waits for the timer to park, checks where, and advances the clock there.
    func advanceToNextSleep(sourceLocation: SourceLocation = #_sourceLocation) async -> Duration? {
        await clock.waitForSleepers(count: 1)
        guard let next = clock.nextDeadline else { return nil }
        clock.advance(to: next)
        return next.offset
    }
}

@Suite("Timers as service tasks (fixed rate, on a manual clock)")
struct TimerTaskTests {
    @Test("ticks fall on t0 + k·interval when the callback does no work")
    func fixedRateWithoutWork() async throws {
        let host = TimerHost(
            "TimerNoWork", configuration: TimerConfiguration(name: "tick", interval: .milliseconds(100)))
        try await host.start()
        var deadlines: [Duration] = []
        for _ in 1...5 {
            if let deadline = await host.advanceToNextSleep() { deadlines.append(deadline) }
        }
        await host.clock.waitForSleepers(count: 1)
        #expect(deadlines == (1...5).map { .milliseconds(100 * $0) })
        #expect(host.tickTimes == deadlines)
        let stats = try #require(host.timerStatistics(named: "tick"))
        #expect(stats.iterations == 5)
        #expect(stats.maxLateness == .zero && stats.overlaps == 0)
        #expect(host.ownedTasks.map(\.kind) == [.timer])
        await host.stop()
    }

    @Test("the callback's run time is compensated: the next tick stays on the grid")
    func fixedRateWithWork() async throws {
        let host = TimerHost(
            "TimerWork", configuration: TimerConfiguration(name: "work", interval: .milliseconds(200)),
            work: { _ in .milliseconds(20) })
        try await host.start()
        var deadlines: [Duration] = []
        for _ in 1...6 {  // three ticks, each: the tick's deadline, then the 20 ms of work
            if let deadline = await host.advanceToNextSleep() { deadlines.append(deadline) }
        }
        #expect(deadlines == [200, 220, 400, 420, 600, 620].map { .milliseconds($0) })
        await host.clock.waitForSleepers(count: 1)
        #expect(host.clock.nextDeadline?.offset == .milliseconds(800))  // not 860: no drift
        #expect(host.timerStatistics(named: "work")?.drift == .zero)
        await host.stop()
    }

    @Test("runFirst ticks at t0")
    func runFirst() async throws {
        var configuration = TimerConfiguration(name: "first", interval: .seconds(1))
        configuration.runFirst = true
        let host = TimerHost("TimerFirst", configuration: configuration)
        try await host.start()
        await host.clock.waitForSleepers(count: 1)
        #expect(host.tickTimes == [.zero])
        #expect(host.clock.nextDeadline?.offset == .seconds(1))
        await host.stop()
    }

    @Test("a callback longer than the interval is an overlap; with .skip the missed tick is dropped")
    func overlapSkips() async throws {
        let capture = LogCapture()
        let host = TimerHost(
            "TimerOverlap", configuration: TimerConfiguration(name: "slow", interval: .milliseconds(100)),
            capture: capture, work: { $0 == 1 ? .milliseconds(250) : .zero })
        try await host.start()
        #expect(await host.advanceToNextSleep() == .milliseconds(100))  // tick 1 starts
        #expect(await host.advanceToNextSleep() == .milliseconds(350))  // its work ends; tick 2 runs late at once
        await host.clock.waitForSleepers(count: 1)
        #expect(host.tickTimes == [.milliseconds(100), .milliseconds(350)])
        #expect(host.clock.nextDeadline?.offset == .milliseconds(400))
        let stats = try #require(host.timerStatistics(named: "slow"))
        #expect(stats.overlaps == 1)
        #expect(stats.skipped == 1)
        #expect(stats.maxLateness == .milliseconds(150))
        #expect(capture.records.contains { $0.level == .warning && $0.message.contains("Timer slow is overlapping") })
        await host.stop()
    }

    @Test("with .runLate the missed ticks run back to back")
    func overlapRunsLate() async throws {
        var configuration = TimerConfiguration(name: "late", interval: .milliseconds(100))
        configuration.missedTickPolicy = .runLate
        let host = TimerHost(
            "TimerRunLate", configuration: configuration, work: { $0 == 1 ? .milliseconds(250) : .zero })
        try await host.start()
        _ = await host.advanceToNextSleep()
        _ = await host.advanceToNextSleep()
        await host.clock.waitForSleepers(count: 1)
        #expect(host.tickTimes == [.milliseconds(100), .milliseconds(350), .milliseconds(350)])
        #expect(host.clock.nextDeadline?.offset == .milliseconds(400))
        #expect(host.timerStatistics(named: "late")?.skipped == 0)
        await host.stop()
    }

    @Test("late wake-ups are counted; the warning is rate-limited")
    func lateWarningsRateLimited() async throws {
        let capture = LogCapture()
        var configuration = TimerConfiguration(name: "jittery", interval: .milliseconds(100))
        configuration.lateWarningThreshold = .milliseconds(10)
        configuration.warningWindow = .seconds(10)
        let host = TimerHost("TimerLate", configuration: configuration, capture: capture)
        try await host.start()
        for tick in 1...3 {
            await host.clock.waitForSleepers(count: 1)
            host.clock.advance(to: .init(.milliseconds(100 * tick + 20)))
        }
        await host.clock.waitForSleepers(count: 1)
        let stats = try #require(host.timerStatistics(named: "jittery"))
        #expect(stats.late == 3)
        #expect(stats.maxLateness == .milliseconds(20))
        let warnings = capture.records.filter { $0.message.contains("woke up too late") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.servicePath == "TimerLate")
        await host.stop()
    }

    @Test("stop ends the timer at once, without advancing the clock")
    func stopsPromptly() async throws {
        let host = TimerHost("TimerStop", configuration: TimerConfiguration(name: "t", interval: .seconds(3600)))
        try await host.start()
        await host.clock.waitForSleepers(count: 1)
        await host.stop()
        #expect(host.state == .shutdown)
        #expect(host.ownedTasks.isEmpty)
        #expect(host.clock.sleeperCount == 0)
        #expect(host.tickTimes.isEmpty)
    }

    @Test("an error thrown by the callback crashes the service")
    func callbackErrorCrashes() async throws {
        let capture = LogCapture()
        let lifecycle = ServiceLifecycleState(clock: ManualClock(), logger: capture.logger, label: "TimerThrows")
        let service = RecordingService(
            "TimerThrows", events: EventRecorder(),
            tasks: [.timer("fail", every: .seconds(1), runFirst: true) { throw Boom(what: "tick failed") }],
            lifecycle: lifecycle)
        try await service.start()
        await service.waitUntilStopped()
        let failure = try #require(service.crashReason as? ServiceTaskFailure)
        #expect(failure.kind == .timer && failure.taskName == "fail")
        #expect((failure.error as? Boom)?.what == "tick failed")
        await service.stop()
    }
}
