import Logging
import Synchronization

extension ServiceTask {
    /// A fixed-rate timer (mode's `@Service.timer`): runs `body` every `interval` on the grid
    /// `t0 + k·interval` of the service's clock, until the service stops.
    ///
    /// ```swift
    /// nonisolated var tasks: [ServiceTask] {
    ///     [.timer("flush", every: .seconds(1)) { await self.flush() }]
    /// }
    /// ```
    ///
    /// The callback's run time is compensated and lateness never accumulates; a callback longer than the
    /// interval counts as an overlap, and missed ticks follow `policy`. mode's lines go to the service's
    /// logger: for intervals of 1 s or more, INFO `Timer <name> woke up too late, with a drift of +…` /
    /// `… too early, with a drift of -…` when the drift reaches `min(interval · 0.3, 1.2 s)`; for any
    /// interval, WARNING `Timer <name> is overlapping (interval=… runtime=…)`. Counters (late, early,
    /// overlaps): ``Service/timerStatistics(named:)``. The timer's sleep returns as soon as the service stops.
    ///
    /// - Parameters:
    ///   - runFirst: run the first tick at once instead of after one interval (default `false`, as mode).
    ///   - policy: what to do with missed ticks (default ``MissedTickPolicy/skip``).
    ///   - lateWarningThreshold: drift from which a tick is late or early (default: mode's rule, see
    ///     ``TimerConfiguration/lateWarningThreshold``).
    ///   - warningWindow: at most one line of each kind per window (default `.zero`: every line, as mode).
    ///   - body: the callback; an error it throws crashes the service.
    public static func timer(
        _ name: String, every interval: Duration, runFirst: Bool = false, policy: MissedTickPolicy = .skip,
        lateWarningThreshold: Duration? = nil, warningWindow: Duration = .zero,
        fileID: String = #fileID, line: Int = #line, _ body: @escaping @Sendable () async throws -> Void
    ) -> ServiceTask {
        var configuration = TimerConfiguration(name: name, interval: interval)
        configuration.runFirst = runFirst
        configuration.missedTickPolicy = policy
        configuration.lateWarningThreshold = lateWarningThreshold
        configuration.warningWindow = warningWindow
        return timer(configuration, fileID: fileID, line: line, body)
    }

    /// A fixed-rate timer from a full ``TimerConfiguration`` (its `name` is the task's name).
    ///
    /// ```swift
    /// var configuration = TimerConfiguration(name: "flush", interval: .seconds(1))
    /// configuration.missedTickPolicy = .runLate(atMost: 3)
    /// let task = ServiceTask.timer(configuration) { await self.flush() }
    /// ```
    public static func timer(
        _ configuration: TimerConfiguration, fileID: String = #fileID, line: Int = #line,
        _ body: @escaping @Sendable () async throws -> Void
    ) -> ServiceTask {
        precondition(configuration.interval > .zero, "timer \(configuration.name): the interval must be positive")
        return ServiceTask(name: configuration.name, kind: .timer, fileID: fileID, line: line) { context in
            let service = context.service
            try await runTimer(configuration, service: service, clock: service.lifecycle.clock, body: body)
        }
    }

    static func runTimer<C: Clock>(
        _ configuration: TimerConfiguration, service: any Service, clock: C,
        body: @Sendable () async throws -> Void
    ) async throws where C.Duration == Duration {
        let name = configuration.name
        let lifecycle = service.lifecycle
        var schedule = TimerSchedule<C>(configuration: configuration, startingAt: clock.now)
        lifecycle.updateTimerStatistics(name, schedule.statistics)
        let logger = service.logger
        while !service.shouldStop {
            guard await stopAwareSleep(until: schedule.nextDeadline(), clock: clock, lifecycle: service.lifecycle),
                !service.shouldStop
            else { return }
            let start = schedule.tickStarted(at: clock.now)
            if let line = start.warning { logger.log(level: line.level, "\(line.message)") }
            lifecycle.updateTimerStatistics(name, schedule.statistics)
            try await body()
            let finish = schedule.tickFinished(at: clock.now)
            if let line = finish.warning { logger.log(level: line.level, "\(line.message)") }
            lifecycle.updateTimerStatistics(name, schedule.statistics)
        }
    }

    /// Sleeps on `clock` until `deadline`, returning `false` early when the service stops or crashes or the
    /// task is cancelled.
    static func stopAwareSleep<C: Clock>(
        until deadline: C.Instant, clock: C, lifecycle: ServiceLifecycleState
    ) async -> Bool where C.Duration == Duration {
        if lifecycle.shouldStop || CurrentTask.isCancelled { return false }
        if clock.now >= deadline { return true }
        return await Race.first(
            {
                do {
                    try await clock.sleep(until: deadline, tolerance: nil)
                    return true
                } catch {
                    return false
                }
            },
            {
                await lifecycle.waitForStop(wakeOnCrash: true)
                return false
            })
    }
}

extension Service {
    /// The drift statistics of this service's timer named `name`, or `nil` when no such timer has run
    /// (``ServiceTask/timer(_:every:runFirst:policy:lateWarningThreshold:warningWindow:fileID:line:_:)``).
    ///
    /// ```swift
    /// if let stats = app.timerStatistics(named: "flush") {
    ///     print("\(stats.iterations) ticks, max lateness \(stats.maxLateness), overlaps \(stats.overlaps)")
    /// }
    /// ```
    public func timerStatistics(named name: String) -> TimerStatistics? {
        lifecycle.state.withLock { $0.timerStatistics?[name] }
    }

    /// The state of this service's cron job named `name` (``ServiceTask/cron(_:_:timeZone:now:fileID:line:_:)``),
    /// or `nil` when no such job has run.
    ///
    /// ```swift
    /// if let job = app.cronStatus(named: "report") { print("next run at \(job.nextFireDate!)") }
    /// ```
    public func cronStatus(named name: String) -> CronJobStatus? {
        lifecycle.state.withLock { $0.cronStatus?[name] }
    }
}

extension ServiceLifecycleState {
    /// Records the statistics of this service's timer `name` (kept with the service, read by
    /// ``Service/timerStatistics(named:)``).
    func updateTimerStatistics(_ name: String, _ statistics: TimerStatistics) {
        state.withLock { state in
            if state.timerStatistics == nil { state.timerStatistics = [:] }
            state.timerStatistics![name] = statistics
        }
    }

    /// Updates the status of this service's cron job `name` (read by ``Service/cronStatus(named:)``).
    func updateCronStatus(_ name: String, _ update: (inout CronJobStatus) -> Void) {
        state.withLock { state in
            if state.cronStatus == nil { state.cronStatus = [:] }
            update(&state.cronStatus![name, default: CronJobStatus()])
        }
    }
}
