/// The pure state machine of a fixed-rate timer: when the next tick is due, and what to record and log
/// when a tick starts and finishes.
///
/// Unlike mode's `Timer`, which adjusts each sleep from the previous one (within ±0.1 s) and so lets
/// lateness accumulate, the schedule is the grid `t0 + k·interval`: a late tick does not move the later
/// ones, and a callback's run time is compensated because the next deadline is absolute. A callback that
/// runs longer than the interval is counted as an overlap; the ticks it made the timer miss are handled by
/// ``MissedTickPolicy``.
///
/// The lines it asks for are mode's, with mode's levels and thresholds: for intervals of 1 s or more, INFO
/// `Timer <name> woke up too late, with a drift of +<s> runtime=<s> sleeptime=<s>` (or `too early, with a
/// drift of -<s> ...`) when the wake-up drift reaches `min(interval · 0.3, 1.2 s)`, and for any interval
/// WARNING `Timer <name> is overlapping (interval=<s> runtime=<s>)` when a callback outlasts the interval.
/// The drift is measured against the moment the timer should have woken up: its grid point, or the end of
/// the previous callback when that callback overran (as in mode, an overlap is not also a late wake-up).
///
/// A driver loop (the timer service) looks like this:
///
/// ```swift
/// var schedule = TimerSchedule<ContinuousClock>(
///     configuration: TimerConfiguration(name: "flush", interval: .seconds(1)), startingAt: clock.now)
/// while !Task.isCancelled {
///     try await clock.sleep(until: schedule.nextDeadline())
///     if let line = schedule.tickStarted(at: clock.now).warning { logger.log(level: line.level, "\(line)") }
///     await flush()
///     if let line = schedule.tickFinished(at: clock.now).warning { logger.log(level: line.level, "\(line)") }
/// }
/// ```
public struct TimerSchedule<C: Clock>: Sendable where C.Duration == Duration {
    /// What ``TimerSchedule/tickStarted(at:)`` decided.
    public struct TickStart: Sendable, Hashable {
        /// The grid point this tick belongs to.
        public let scheduled: C.Instant
        /// How late the tick started behind its grid point (negative if early).
        public let lateness: Duration
        /// Grid points dropped because of this tick's lateness.
        public let skippedTicks: Int
        /// The wake-up drift: positive when the timer woke up later than it should have (after its grid
        /// point, or after the previous callback finished if that was later), negative when it woke up
        /// before its grid point.
        public let drift: Duration
        /// A "woke up too late" / "woke up too early" line (INFO), if one is due.
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
        /// An "is overlapping" line (WARNING), if one is due.
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
    /// When the previous callback finished (the origin before the first tick) and how long it ran.
    private var lastFinish: C.Instant
    private var lastRuntime: Duration = .zero
    private var lateLimiter: WarningRateLimiter<C>
    private var earlyLimiter: WarningRateLimiter<C>
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
        self.lastFinish = origin
        self.lateLimiter = WarningRateLimiter(window: configuration.warningWindow)
        self.earlyLimiter = WarningRateLimiter(window: configuration.warningWindow)
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
    /// Updates the statistics, applies the ``MissedTickPolicy`` to grid points that have also passed, and
    /// returns mode's "woke up too late" / "woke up too early" line when the drift reaches the threshold
    /// (and the rate limit, if any, allows).
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
        if lateness > .zero {
            statistics.totalLateness += lateness
            statistics.maxLateness = max(statistics.maxLateness, lateness)
        }
        let sleepTime = lastFinish.duration(to: now)
        let drift = lateness < .zero ? lateness : max(scheduled, lastFinish).duration(to: now)
        runningSince = now

        var warning: TimerWarning?
        let threshold = configuration.effectiveLateWarningThreshold
        if configuration.judgesDrift && (drift >= threshold || drift <= .zero - threshold) && drift != .zero {
            let late = drift > .zero
            let suppressed: Int?
            if late {
                statistics.late += 1
                suppressed = lateLimiter.record(at: now)
            } else {
                statistics.early += 1
                suppressed = earlyLimiter.record(at: now)
            }
            if let suppressed {
                let text = late ? "too late, with a drift of +" : "too early, with a drift of -"
                let magnitude = late ? drift : .zero - drift
                warning = TimerWarning(
                    kind: late ? .lateWakeup : .earlyWakeup, amount: drift, suppressedCount: suppressed,
                    message: "Timer \(configuration.name) woke up \(text)\(Self.seconds(magnitude)) "
                        + "runtime=\(Self.seconds(lastRuntime)) sleeptime=\(Self.seconds(sleepTime))"
                        + Self.suppressedNote(suppressed))
            }
        }
        return TickStart(
            scheduled: scheduled, lateness: lateness, skippedTicks: Int(skipped), drift: drift, warning: warning)
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
        lastFinish = now
        lastRuntime = runtime
        statistics.maxRuntime = max(statistics.maxRuntime, runtime)
        let overlapped = runtime > configuration.interval
        var warning: TimerWarning?
        if overlapped {
            statistics.overlaps += 1
            if let suppressed = overlapLimiter.record(at: now) {
                warning = TimerWarning(
                    kind: .overlap, amount: runtime, suppressedCount: suppressed,
                    message: "Timer \(configuration.name) is overlapping (interval=\(Self.seconds(configuration.interval)) "
                        + "runtime=\(Self.seconds(runtime)))" + Self.suppressedNote(suppressed))
            }
        }
        return TickFinish(runtime: runtime, overlapped: overlapped, nextDeadline: nextDeadline(), warning: warning)
    }

    private func gridPoint(_ index: Int64) -> C.Instant {
        origin.advanced(by: configuration.interval * index)
    }

    /// Seconds as mode prints them with `%r` (`1.0`, `0.3`, `30.0`): the shortest decimal of the nearest
    /// `Double` to the exact nanosecond count.
    static func seconds(_ duration: Duration) -> String {
        "\(Double(DurationMath.nanoseconds(duration)) / 1e9)"
    }

    private static func suppressedNote(_ count: Int) -> String {
        switch count {
        case 0: ""
        case 1: " (1 similar line suppressed)"
        default: " (\(count) similar lines suppressed)"
        }
    }
}
