import Synchronization

/// A token bucket over any clock: up to `capacity` tokens, refilled at `rate` tokens per second.
///
/// mode's `TokenBucket(rate, over)` with its quirks fixed: the refill time is tracked on every pour (mode
/// only updated it while below capacity), and ``acquire(_:)`` pours after waiting instead of proceeding
/// without a token. The bucket starts full.
///
/// ```swift
/// let bucket = TokenBucket(rate: try Rate("10/s"), capacity: 5, clock: ContinuousClock())
/// if bucket.pour() { send() }               // non-blocking
/// try await bucket.acquire()                // waits on the clock until a token is available
/// print(bucket.expectedTime(3))             // how long until 3 tokens would be available
/// ```
public final class TokenBucket<C: Clock>: Sendable where C.Duration == Duration {
    private struct State {
        var tokens: Double
        var lastRefill: C.Instant
    }

    /// Tokens added per second.
    public let rate: Rate
    /// The most tokens the bucket holds.
    public let capacity: Double
    private let clock: C
    private let state: Mutex<State>

    /// Creates a full bucket.
    ///
    /// - Parameters:
    ///   - rate: refill rate; must be positive.
    ///   - capacity: maximum tokens (the burst size); must be positive.
    ///   - clock: the clock used for refills and for waiting in ``acquire(_:)``.
    public init(rate: Rate, capacity: Double, clock: C) {
        precondition(rate.perSecond > 0, "a token bucket needs a positive rate")
        precondition(capacity > 0, "a token bucket needs a positive capacity")
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self.state = Mutex(State(tokens: capacity, lastRefill: clock.now))
    }

    /// Tokens available now.
    public var tokens: Double {
        let now = clock.now
        return state.withLock { state in
            refill(&state, now: now)
            return state.tokens
        }
    }

    /// Takes `tokens` tokens if they are available. Returns whether it did.
    ///
    /// ```swift
    /// guard bucket.pour(2) else { throw TooManyRequests() }
    /// ```
    public func pour(_ tokens: Double = 1) -> Bool {
        let now = clock.now
        return state.withLock { state in
            refill(&state, now: now)
            // Tolerate rounding so that waiting exactly ``expectedTime(_:)`` is always enough.
            guard tokens <= state.tokens + 1e-9 else { return false }
            state.tokens = max(0, state.tokens - tokens)
            return true
        }
    }

    /// How long until `tokens` tokens are available (zero if they are now). Rounded up to the nanosecond.
    ///
    /// ```swift
    /// let wait = bucket.expectedTime(3)
    /// ```
    public func expectedTime(_ tokens: Double = 1) -> Duration {
        let available = self.tokens
        guard tokens > available else { return .zero }
        let seconds = (tokens - available) / rate.perSecond
        return .nanoseconds(Int64((seconds * 1e9).rounded(.up)))
    }

    /// Waits on the clock until `tokens` tokens are available, then takes them.
    ///
    /// ```swift
    /// for request in requests {
    ///     try await bucket.acquire()
    ///     try await send(request)
    /// }
    /// ```
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting; ``RateLimitError`` with code
    ///   ``RateLimitError/Code/exceedsCapacity`` if `tokens` is more than the bucket can ever hold.
    public func acquire(_ tokens: Double = 1) async throws {
        guard tokens <= capacity else {
            throw RateLimitError(.exceedsCapacity, "cannot acquire \(tokens) tokens from a bucket of capacity \(capacity)")
        }
        while !pour(tokens) {
            try await clock.sleep(for: expectedTime(tokens))
        }
    }

    private func refill(_ state: inout State, now: C.Instant) {
        let elapsed = DurationMath.seconds(state.lastRefill.duration(to: now))
        if elapsed > 0 {
            state.tokens = min(capacity, state.tokens + elapsed * rate.perSecond)
            state.lastRefill = now
        }
    }
}
