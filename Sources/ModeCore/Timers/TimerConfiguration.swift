/// Settings of a fixed-rate timer (mode's `@Service.timer`).
///
/// ```swift
/// var configuration = TimerConfiguration(name: "flush", interval: .seconds(1))
/// configuration.runFirst = true
/// configuration.lateWarningThreshold = .milliseconds(250)
/// configuration.warningWindow = .seconds(300)
/// ```
public struct TimerConfiguration: Sendable, Hashable {
    /// The timer's name, used in log lines (`Timer <name> woke up too late, ...`).
    public var name: String
    /// Time between ticks. The schedule is `t0 + k·interval`. Must be positive.
    public var interval: Duration
    /// Whether the first tick runs at `t0` (immediately) instead of `t0 + interval`. Default `false`, as in mode.
    public var runFirst: Bool = false
    /// What to do with ticks that passed while the timer was late. Default ``MissedTickPolicy/skip``.
    public var missedTickPolicy: MissedTickPolicy = .skip
    /// The wake-up drift from which a tick counts as late (or early) and is logged.
    ///
    /// `nil` (the default) is mode's rule: `min(30 % of the interval, 1.2 s)`, and only timers whose interval
    /// is at least one second judge drift at all (a sub-second timer never logs "woke up too late"). Set a
    /// value to judge drift for any interval with that threshold (mode has no such setting).
    public var lateWarningThreshold: Duration?
    /// At most one line of each kind (late, early, overlap) is logged per window; the others are counted
    /// and reported with the next line. Default `.zero`: every occurrence is logged, as mode does.
    public var warningWindow: Duration = .zero

    /// Creates a configuration with the documented defaults.
    public init(name: String = "timer", interval: Duration) {
        self.name = name
        self.interval = interval
    }

    /// The drift threshold in effect: ``lateWarningThreshold`` or mode's `min(interval · 0.3, 1.2 s)`.
    public var effectiveLateWarningThreshold: Duration {
        lateWarningThreshold ?? min(interval * 3 / 10, .milliseconds(1_200))
    }

    /// Whether wake-up drift is judged (and logged): mode only does it for intervals of one second or more;
    /// an explicit ``lateWarningThreshold`` enables it for any interval.
    public var judgesDrift: Bool {
        lateWarningThreshold != nil || interval >= .seconds(1)
    }
}
