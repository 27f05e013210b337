/// Drift and lateness counters of a fixed-rate timer, readable at any time from Swift.
///
/// ``late``, ``early`` and ``overlaps`` are mode's `drifting_late`, `drifting_early` and `overlaps`: they
/// count exactly the ticks that logged a "woke up too late", "woke up too early" or "is overlapping" line
/// (before any rate limiting).
///
/// ```swift
/// let stats = schedule.statistics
/// print("\(stats.iterations) ticks, \(stats.late) late, \(stats.early) early, \(stats.overlaps) overlaps, "
///     + "max lateness \(stats.maxLateness), mean \(stats.meanLateness), drift \(stats.drift)")
/// ```
public struct TimerStatistics: Hashable, Sendable, CustomStringConvertible {
    /// Ticks started (callback invocations).
    public var iterations: Int = 0
    /// Ticks that woke up at least the drift threshold late (mode's `drifting_late`; only judged for
    /// intervals of 1 s or more unless ``TimerConfiguration/lateWarningThreshold`` is set).
    public var late: Int = 0
    /// Ticks that woke up at least the drift threshold early (mode's `drifting_early`; same rule).
    public var early: Int = 0
    /// Ticks whose callback ran longer than the interval (mode's `overlaps`).
    public var overlaps: Int = 0
    /// Grid points dropped by ``MissedTickPolicy/skip`` (or beyond the ``MissedTickPolicy/runLate(atMost:)``
    /// bound).
    public var skipped: Int = 0
    /// The largest lateness of any tick behind its grid point.
    public var maxLateness: Duration = .zero
    /// The sum of every tick's lateness behind its grid point (early ticks count as zero).
    public var totalLateness: Duration = .zero
    /// How far the most recent tick started behind its point on the ideal schedule `t0 + k·interval`.
    ///
    /// With a fixed-rate schedule this is bounded by one tick's lateness; it does not accumulate the way
    /// mode's timer does (a 10 ms mode timer is 97 ms behind after 300 ticks).
    public var drift: Duration = .zero
    /// The longest callback run time.
    public var maxRuntime: Duration = .zero

    /// Ticks that drifted either way (mode's `drifting`): ``late`` + ``early``.
    public var drifting: Int { late + early }

    /// Mean lateness per tick (``totalLateness`` / ``iterations``).
    public var meanLateness: Duration {
        iterations == 0 ? .zero : totalLateness / iterations
    }

    public init() {}

    public var description: String {
        "iterations=\(iterations) late=\(late) early=\(early) overlaps=\(overlaps) skipped=\(skipped) "
            + "maxLateness=\(maxLateness) meanLateness=\(meanLateness) drift=\(drift)"
    }
}
