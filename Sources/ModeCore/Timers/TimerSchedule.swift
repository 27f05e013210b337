/// The pure state machine of a fixed-rate timer: when the next tick is due, and what to record and log
/// when a tick starts and finishes.
///
/// Unlike mode's `Timer`, which adjusts each sleep from the previous one and so lets lateness accumulate,
/// the schedule is the grid `t0 + k·interval`: a late tick does not move the later ones, and a callback's run
/// time is compensated because the next deadline is absolute. A callback that runs longer than the interval
/// is counted as an overlap; the ticks it made the timer miss are handled by ``MissedTickPolicy``.
///
/// A driver loop (the timer service) looks like this:
///
/// ```swift
/// var schedule = TimerSchedule<ContinuousClock>(
///     configuration: TimerConfiguration(name: "flush", interval: .seconds(1)), startingAt: clock.now)
/// while !Task.isCancelled {
///     try await clock.sleep(until: schedule.nextDeadline())
///     if let warning = schedule.tickStarted(at: clock.now).warning { logger.warning("\(warning)") }
///     await flush()
///     if let warning = schedule.tickFinished(at: clock.now).warning { logger.warning("\(warning)") }
/// }
/// ```
public struct TimerSchedule<C: Clock>: Sendable where C.Duration == Duration {
    /// What ``TimerSchedule/tickStarted(at:)`` decided.
    public struct TickStart: Sendable, Hashable {
        /// The grid point this tick belongs to.
        public let scheduled: C.Instant
        /// How late the tick started (negative if early).
        public let lateness: Duration
        /// Grid points dropped because of this tick's lateness.
        public let skippedTicks: Int
        /// A rate-limited "woke up too late" warning, if one is due.
        public let warning: TimerWarning?
    }

    /// What ``TimerSchedule/tickFinished(at:)`` decided.
    public struct TickFinish: Sendable, Hashable {
        /// How long the callback ran.
        public let runtime: Duration
        /// Whether the callback ran longer than the interval.
        public let overlapped: Bool
        /// When the next tick is due (it may already have passed).
        public let nextDeadline: C.Instant
        /// A rate-limited overlap warning, if one is due.
        public let warning: TimerWarning?
    }

    /// The configuration the schedule was created with.
    public let configuration: TimerConfiguration
    /// The schedule's origin `t0`.
    public let origin: C.Instant
    /// Counters, updated by ``tickStarted(at:)`` and ``tickFinished(at:)``.
    public private(set) var statistics = TimerStatistics()

    private var nextIndex: Int64
    private var runningSince: C.Instant?
    private var lateLimiter: WarningRateLimiter<C>
    private var overlapLimiter: WarningRateLimiter<C>

    /// Creates a schedule whose grid starts at `origin`.
    ///
    /// ```swift
    /// let schedule = TimerSchedule<ContinuousClock>(
    ///     configuration: TimerConfiguration(interval: .milliseconds(10)), startingAt: .now)
    /// ```
    public init(configuration: TimerConfiguration, startingAt origin: C.Instant) {
        precondition(configuration.interval > .zero, "a timer interval must be positive")
        self.configuration = configuration
        self.origin = origin
        self.nextIndex = configuration.runFirst ? 0 : 1
        self.lateLimiter = WarningRateLimiter(window: configuration.warningWindow)
        self.overlapLimiter = WarningRateLimiter(window: configuration.warningWindow)
    }

    /// The instant the next tick is due: a point of the grid `origin + k·interval`.
    ///
    /// ```swift
    /// try await clock.sleep(until: schedule.nextDeadline())
    /// ```
    public func nextDeadline() -> C.Instant { gridPoint(nextIndex) }

    /// Records that the tick due at ``nextDeadline()`` starts at `now` (call it right before the callback).
    ///
    /// Updates lateness statistics, applies the ``MissedTickPolicy`` to grid points that have also passed,
    /// and returns a "woke up too late" warning when lateness reaches the threshold and the rate limit allows.
    ///
    /// ```swift
    /// let start = schedule.tickStarted(at: clock.now)
    /// if start.skippedTicks > 0 { logger.debug("skipped \(start.skippedTicks) ticks") }
    /// ```
    public mutating func tickStarted(at now: C.Instant) -> TickStart {
        let index = nextIndex
        let scheduled = gridPoint(index)
        let lateness = scheduled.duration(to: now)
        let interval = configuration.interval
        let overdue = DurationMath.wholeIntervals(in: lateness, of: interval)
        let runLate = configuration.missedTickPolicy.ticksToRunLate(missed: overdue)
        let skipped = overdue - runLate
        nextIndex = index + 1 + skipped

        statistics.iterations += 1
        statistics.skipped += Int(skipped)
        statistics.drift = lateness
        if lateness < .zero {
            statistics.early += 1
        } else {
            statistics.totalLateness += lateness
            statistics.maxLateness = max(statistics.maxLateness, lateness)
        }
        runningSince = now

        var warning: TimerWarning?
        if lateness >= configuration.effectiveLateWarningThreshold {
            statistics.late += 1
            if let suppressed = lateLimiter.record(at: now) {
                warning = TimerWarning(
                    kind: .lateWakeup, amount: lateness, suppressedCount: suppressed,
                    message: "Timer \(configuration.name) woke up too late: \(lateness) behind schedule "
                        + "(interval \(interval)\(Self.suppressedNote(suppressed)))")
            }
        }
        return TickStart(scheduled: scheduled, lateness: lateness, skippedTicks: Int(skipped), warning: warning)
    }

    /// Records that the tick's callback finished at `now`; counts an overlap if it ran longer than the interval.
    ///
    /// ```swift
    /// let finish = schedule.tickFinished(at: clock.now)
    /// if let warning = finish.warning { logger.warning("\(warning)") }
    /// ```
    public mutating func tickFinished(at now: C.Instant) -> TickFinish {
        let runtime = (runningSince ?? now).duration(to: now)
        runningSince = nil
        statistics.maxRuntime = max(statistics.maxRuntime, runtime)
        let overlapped = runtime > configuration.interval
        var warning: TimerWarning?
        if overlapped {
            statistics.overlaps += 1
            if let suppressed = overlapLimiter.record(at: now) {
                warning = TimerWarning(
                    kind: .overlap, amount: runtime, suppressedCount: suppressed,
                    message: "Timer \(configuration.name) is overlapping: the callback ran for \(runtime) "
                        + "(interval \(configuration.interval)\(Self.suppressedNote(suppressed)))")
            }
        }
        return TickFinish(runtime: runtime, overlapped: overlapped, nextDeadline: nextDeadline(), warning: warning)
    }

    private func gridPoint(_ index: Int64) -> C.Instant {
        origin.advanced(by: configuration.interval * index)
    }

    private static func suppressedNote(_ count: Int) -> String {
        switch count {
        case 0: ""
        case 1: "; 1 similar warning suppressed"
        default: "; \(count) similar warnings suppressed"
        }
    }
}
