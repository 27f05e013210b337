/// Integer and floating-point helpers for `Duration` shared by the timer, backoff and rate-limit code.
enum DurationMath {
    /// Whole nanoseconds in `duration` (truncated toward zero; saturates far beyond any real use).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }

    /// `duration` in seconds as a `Double`.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// A duration of `seconds` seconds (non-finite values become zero).
    static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite else { return .zero }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// How many whole `interval`s fit in `duration` (zero for non-positive values).
    static func wholeIntervals(in duration: Duration, of interval: Duration) -> Int64 {
        let total = nanoseconds(duration)
        let step = nanoseconds(interval)
        guard total > 0, step > 0 else { return 0 }
        return total / step
    }
}
