// Copy of Sources/ModeTestKit/ManualClock.swift (this test target depends only on ModeDiagnostics and CModeSupport).
import Synchronization

/// A clock whose time moves only when a test tells it to.
///
/// Timing logic in swift-mode (timers, backoff, supervisor intensity, shutdown timeouts, the watchdog's
/// decisions) is generic over `Clock`, so tests drive it with a `ManualClock` and never sleep:
///
/// ```swift
/// let clock = ManualClock()
/// let sleeper = Task { try await clock.sleep(for: .seconds(5)) }
/// await clock.waitForSleepers(count: 1)   // the task is now parked on the clock
/// clock.advance(by: .seconds(5))          // ... and is resumed
/// try await sleeper.value
/// ```
///
/// Sleepers whose deadline is reached are resumed in deadline order (ties in the order they went to
/// sleep). Cancelling a sleeping task resumes it with `CancellationError`.
final class ManualClock: Clock, Sendable {
    /// A point in manual time: a duration since the clock's zero.
    public struct Instant: InstantProtocol, Sendable, CustomStringConvertible {
        public var offset: Duration

        public init(_ offset: Duration) { self.offset = offset }

        public func advanced(by duration: Duration) -> Instant { Instant(offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "ManualClock.Instant(\(offset))" }
    }

    private struct Sleeper {
        let id: UInt64
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Instant = Instant(.zero)
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        var cancelledBeforeRegistration: Set<UInt64> = []
        var sleeperWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state: Mutex<State>

    /// Creates a clock at time zero (or at `start`).
    public init(start: Instant = Instant(.zero)) {
        var initial = State()
        initial.now = start
        self.state = Mutex(initial)
    }

    public var now: Instant { state.withLock { $0.now } }

    /// The manual clock has no resolution limit.
    public var minimumResolution: Duration { .zero }

    /// Number of tasks currently parked in ``sleep(until:tolerance:)``.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline any sleeper waits for, if any.
    public var nextDeadline: Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let action: (resume: Bool, cancel: Bool, waiters: [CheckedContinuation<Void, Never>]) =
                    state.withLock { state in
                        if state.cancelledBeforeRegistration.remove(id) != nil {
                            return (false, true, [])
                        }
                        if deadline <= state.now { return (true, false, []) }
                        state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                        return (false, false, Self.takeSatisfiedWaiters(&state))
                    }
                if action.cancel {
                    continuation.resume(throwing: CancellationError())
                } else if action.resume {
                    continuation.resume()
                }
                for waiter in action.waiters { waiter.resume() }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                if let index = state.sleepers.firstIndex(where: { $0.id == id }) {
                    return state.sleepers.remove(at: index)
                }
                state.cancelledBeforeRegistration.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `duration`, resuming every sleeper whose deadline is reached.
    public func advance(by duration: Duration) {
        advance(to: now.advanced(by: duration))
    }

    /// Moves time forward to `instant` (never backwards), resuming every sleeper whose deadline is reached.
    public func advance(to instant: Instant) {
        let due: [Sleeper] = state.withLock { state in
            if instant > state.now { state.now = instant }
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Advances to the next sleeper's deadline, if any. Returns whether a sleeper was due.
    @discardableResult
    public func advanceToNextDeadline() -> Bool {
        guard let next = nextDeadline else { return false }
        advance(to: next)
        return true
    }

    /// Suspends until at least `count` tasks are parked on this clock.
    ///
    /// This is how a test knows that the code under test has reached its sleep, without sleeping itself.
    public func waitForSleepers(count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.sleeperWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func takeSatisfiedWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = state.sleepers.count
        var ready: [CheckedContinuation<Void, Never>] = []
        state.sleeperWaiters.removeAll { waiter in
            if waiter.count <= count {
                ready.append(waiter.continuation)
                return true
            }
            return false
        }
        return ready
    }
}
