import Logging

/// A line a timer wants logged (mode's drift and overlap lines), already rate-limited by ``TimerSchedule``.
///
/// ```swift
/// if let warning = schedule.tickStarted(at: clock.now).warning {
///     logger.log(level: warning.level, "\(warning.message)")
/// }
/// ```
public struct TimerWarning: Hashable, Sendable, CustomStringConvertible {
    /// The kind of line.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable { case lateWakeup, earlyWakeup, overlap }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The timer woke up at least the drift threshold after it should have (INFO, as mode).
        public static let lateWakeup = Self(.lateWakeup)
        /// The timer woke up at least the drift threshold before the tick's scheduled time (INFO, as mode).
        public static let earlyWakeup = Self(.earlyWakeup)
        /// The callback ran longer than the interval (WARNING, as mode).
        public static let overlap = Self(.overlap)

        public var description: String { "\(wrapped)" }
    }

    /// What happened.
    public let kind: Kind
    /// The drift (positive for ``Kind/lateWakeup``, negative for ``Kind/earlyWakeup``) or the callback's
    /// run time (``Kind/overlap``).
    public let amount: Duration
    /// Lines of this kind suppressed since the previous one was logged (``TimerConfiguration/warningWindow``).
    public let suppressedCount: Int
    /// The text to log, mode's, for example
    /// `Timer flush woke up too late, with a drift of +0.5 runtime=0.01 sleeptime=1.5` or
    /// `Timer flush is overlapping (interval=1.0 runtime=1.5)`.
    public let message: String

    /// The level mode logs this kind at: INFO for drift, WARNING for overlaps.
    public var level: Logger.Level { kind == .overlap ? .warning : .info }

    public var description: String { message }
}
