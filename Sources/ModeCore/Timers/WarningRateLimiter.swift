/// Decides whether a recurring warning may be logged now: at most one per window, counting the rest.
///
/// ```swift
/// var limiter = WarningRateLimiter<ContinuousClock>(window: .seconds(60))
/// if let suppressed = limiter.record(at: .now) {
///     logger.warning("still late (\(suppressed) similar warnings suppressed)")
/// }
/// ```
public struct WarningRateLimiter<C: Clock>: Sendable where C.Duration == Duration {
    /// The minimum time between two emitted warnings.
    public var window: Duration
    private var lastEmitted: C.Instant?
    private var suppressed = 0

    /// Creates a limiter that lets one warning through per `window`.
    public init(window: Duration) {
        self.window = window
    }

    /// Records an occurrence at `now`. Returns the number of occurrences suppressed since the last emitted
    /// warning when this one should be logged, or `nil` when it should be suppressed.
    public mutating func record(at now: C.Instant) -> Int? {
        if let lastEmitted, lastEmitted.duration(to: now) < window {
            suppressed += 1
            return nil
        }
        let count = suppressed
        lastEmitted = now
        suppressed = 0
        return count
    }

    /// Occurrences suppressed since the last emitted warning.
    public var suppressedCount: Int { suppressed }
}
