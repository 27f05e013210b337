import Foundation

/// Exponential backoff with jitter between a supervisor's restarts of a child.
///
/// The n-th consecutive restart (n = 0, 1, ...) waits `min(cap, base · factor^n) · (1 + u · jitter)` where
/// `u` is uniform in `[0, 1)`: the Akka `restartWithBackoff(minBackoff, maxBackoff, randomFactor)` formula.
///
/// Defaults — base 100 ms, factor 2, cap 10 s, jitter 0.2, reset after 10 s without a crash — and why:
/// - **base 100 ms**: a one-off crash is restarted faster than a person notices, yet a service that crashes
///   right after start cannot spin a core (OTP restarts at once; mode's default bucket allows one every 10 ms).
/// - **factor 2, jitter 0.2**: the usual doubling; 20 % jitter as in Akka's documentation, so siblings that
///   crashed together do not restart in lock-step.
/// - **cap 10 s**: with the default intensity (5 restarts in 10 s) the delays are 0.1, 0.2, 0.4, 0.8 and 1.6 s
///   (3.1 s in total), so a crash loop escalates after about 6 s and the cap is never reached; it only matters
///   for looser limits, where 10 s keeps a recovered dependency from waiting minutes (Kubernetes' 5-minute cap
///   suits whole containers, not in-process services).
/// - **reset after 10 s**: equal to the intensity period, so a child that ran quietly for a full window starts
///   over from the base delay, as Akka does after its reset interval.
///
/// ```swift
/// var backoff = RestartBackoff()
/// backoff.base = .milliseconds(50)
/// backoff.cap = .seconds(2)
/// let third = backoff.delay(forAttempt: 2, random: 0.5)   // 200 ms · 1.1 = 220 ms
/// ```
public struct RestartBackoff: Hashable, Sendable {
    /// The first delay. Default 100 ms.
    public var base: Duration = .milliseconds(100)
    /// The growth factor per consecutive restart. Default 2.
    public var factor: Double = 2
    /// The largest delay before jitter. Default 10 s.
    public var cap: Duration = .seconds(10)
    /// The random extra fraction: delays fall in `[d, d · (1 + jitter))`. Default 0.2.
    public var jitter: Double = 0.2
    /// A child that has not crashed for this long starts again from ``base``. Default 10 s.
    public var resetAfter: Duration = .seconds(10)

    /// Creates a backoff with the documented defaults.
    public init() {}

    /// No delay at all: restart at once, as OTP and mode do.
    public static var immediate: Self {
        var backoff = Self()
        backoff.base = .zero
        backoff.cap = .zero
        backoff.jitter = 0
        return backoff
    }

    /// Whether a delay has a random part: jitter on a non-zero delay. ``immediate`` has none.
    var isJittered: Bool { jitter > 0 && base > .zero && cap > .zero }

    /// The delay before restart number `attempt` (0-based), with `random` in `[0, 1)` scaling the jitter.
    public func delay(forAttempt attempt: Int, random: Double) -> Duration {
        let baseSeconds = DurationMath.seconds(base)
        let capSeconds = DurationMath.seconds(cap)
        let grown = baseSeconds * pow(factor, Double(max(0, attempt)))
        let nominal = min(capSeconds, grown.isFinite ? grown : capSeconds)
        let unit = min(max(random, 0), 1)
        return DurationMath.duration(seconds: nominal * (1 + unit * max(0, jitter)))
    }
}
