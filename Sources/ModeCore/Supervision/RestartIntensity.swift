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
    /// Restart instants, oldest first (clocks never go back), from `head` on; at most `maxRestarts` are live.
    private var restarts: [C.Instant] = []
    private var head = 0

    /// Creates an empty window.
    public init(maxRestarts: Int, period: Duration) {
        self.maxRestarts = maxRestarts
        self.period = period
        // The first restarts' room, allocated with the window rather than by the first restart.
        restarts.reserveCapacity(min(max(maxRestarts, 0), 16))
    }

    /// Records a restart at `now`. Returns `false` (and does not record it) when it would exceed the limit.
    ///
    /// Amortised O(1): expired restarts are dropped from the front (instants arrive in time order), so a crash
    /// loop under a generous limit stays linear.
    public mutating func recordRestart(at now: C.Instant) -> Bool {
        while head < restarts.count && restarts[head].duration(to: now) >= period { head += 1 }
        if head > 0 && head * 2 >= restarts.count {
            restarts.removeFirst(head)
            head = 0
        }
        guard restarts.count - head < maxRestarts else { return false }
        restarts.append(now)
        return true
    }

    /// Restarts still inside the window at `now` (a binary search: O(log maxRestarts)).
    public func restartCount(at now: C.Instant) -> Int {
        var low = head
        var high = restarts.count
        while low < high {
            let middle = (low + high) / 2
            if restarts[middle].duration(to: now) >= period { low = middle + 1 } else { high = middle }
        }
        return restarts.count - low
    }
}
