/// A warning a timer wants logged, already rate-limited by ``TimerSchedule``.
///
/// ```swift
/// if let warning = schedule.tickStarted(at: clock.now).warning {
///     logger.warning("\(warning.message)")
/// }
/// ```
public struct TimerWarning: Hashable, Sendable, CustomStringConvertible {
    /// The kind of warning.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable { case lateWakeup, overlap }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The timer woke up at least the late-warning threshold after the tick's scheduled time.
        public static let lateWakeup = Self(.lateWakeup)
        /// The callback ran longer than the interval.
        public static let overlap = Self(.overlap)

        public var description: String { "\(wrapped)" }
    }

    /// What happened.
    public let kind: Kind
    /// The lateness (``Kind/lateWakeup``) or the callback run time (``Kind/overlap``).
    public let amount: Duration
    /// Warnings of this kind suppressed since the previous one was emitted.
    public let suppressedCount: Int
    /// The text to log, for example
    /// `Timer flush woke up too late: 1.3 seconds behind schedule (interval 1.0 seconds; 4 similar warnings suppressed)`.
    public let message: String

    public var description: String { message }
}
