/// Settings of a fixed-rate timer (mode's `@Service.timer`).
///
/// ```swift
/// var configuration = TimerConfiguration(name: "flush", interval: .seconds(1))
/// configuration.runFirst = true
/// configuration.lateWarningThreshold = .milliseconds(250)
/// configuration.warningWindow = .seconds(300)
/// ```
public struct TimerConfiguration: Sendable, Hashable {
    /// The timer's name, used in warnings.
    public var name: String
    /// Time between ticks. The schedule is `t0 + k·interval`. Must be positive.
    public var interval: Duration
    /// Whether the first tick runs at `t0` (immediately) instead of `t0 + interval`. Default `false`, as in mode.
    public var runFirst: Bool = false
    /// What to do with ticks that passed while the timer was late. Default ``MissedTickPolicy/skip``.
    public var missedTickPolicy: MissedTickPolicy = .skip
    /// Lateness from which a tick counts as late and a "woke up too late" warning is due.
    ///
    /// `nil` (the default) means mode's rule, `min(30 % of the interval, 1.2 s)`, with a floor of 100 ms so that
    /// millisecond timers do not warn about ordinary scheduler jitter (mode avoids that by never warning
    /// for intervals under 1 s).
    public var lateWarningThreshold: Duration?
    /// At most one warning of each kind (late wake-up, overlap) is emitted per window; the others are counted
    /// and reported with the next warning. Default 60 s (mode logs every occurrence, which users report as spam).
    public var warningWindow: Duration = .seconds(60)

    /// Creates a configuration with the documented defaults.
    public init(name: String = "timer", interval: Duration) {
        self.name = name
        self.interval = interval
    }

    /// The threshold in effect: ``lateWarningThreshold`` or the default rule.
    public var effectiveLateWarningThreshold: Duration {
        if let lateWarningThreshold { return lateWarningThreshold }
        let thirty = interval * 3 / 10
        return max(min(thirty, .milliseconds(1_200)), .milliseconds(100))
    }
}
