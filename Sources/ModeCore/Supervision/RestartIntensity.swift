/// A sliding-window restart counter: "at most `maxRestarts` restarts within `period`".
///
/// ```swift
/// var intensity = RestartIntensity<ContinuousClock>(maxRestarts: 5, period: .seconds(10))
/// if !intensity.recordRestart(at: .now) {
///     throw MaxRestartsExceeded(maxRestarts: 5, period: .seconds(10), childIndex: 0)
/// }
/// ```
public struct RestartIntensity<C: Clock>: Sendable where C.Duration == Duration {
    /// Restarts allowed within ``period``.
    public let maxRestarts: Int
    /// The window length.
    public let period: Duration
    private var restarts: [C.Instant] = []

    /// Creates an empty window.
    public init(maxRestarts: Int, period: Duration) {
        self.maxRestarts = maxRestarts
        self.period = period
    }

    /// Records a restart at `now`. Returns `false` (and does not record it) when it would exceed the limit.
    public mutating func recordRestart(at now: C.Instant) -> Bool {
        restarts.removeAll { $0.duration(to: now) >= period }
        guard restarts.count < maxRestarts else { return false }
        restarts.append(now)
        return true
    }

    /// Restarts still inside the window at `now`.
    public func restartCount(at now: C.Instant) -> Int {
        restarts.count { $0.duration(to: now) < period }
    }
}
