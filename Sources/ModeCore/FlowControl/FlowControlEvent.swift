import Synchronization

/// A suspend/resume switch for producers (mode's `FlowControlEvent`).
///
/// ``acquire()`` returns at once while the event is active and waits while it is suspended; ``resume()``
/// wakes every waiter and clears the queues created with `clearOnResume: true`. Waiting is
/// cancellation-safe: a cancelled waiter throws `CancellationError` and leaves nothing behind.
///
/// ```swift
/// let flow = FlowControlEvent(initiallySuspended: false)
/// let queue = FlowControlQueue<Event>(maxSize: 100, flowControl: flow)
/// flow.suspend()              // producers calling queue.put(_:) now wait
/// flow.resume()               // ... and continue
/// ```
public final class FlowControlEvent: Sendable {
    private struct State {
        var suspended: Bool
        var waiters = FlowControlWaiters<Void, Void>()
        var nextHandlerID: UInt64 = 0
        var resumeHandlers: [(id: UInt64, handler: @Sendable () -> Void)] = []
    }

    private let state: Mutex<State>

    /// Creates an event. mode's default is to start suspended (`initially_suspended=True`); so is this one's.
    public init(initiallySuspended: Bool = true) {
        state = Mutex(State(suspended: initiallySuspended))
    }

    /// Whether producers may proceed (not suspended).
    public var isActive: Bool { state.withLock { !$0.suspended } }

    /// Number of tasks waiting in ``acquire()``.
    public var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Makes later ``acquire()`` calls wait until ``resume()``.
    public func suspend() {
        state.withLock { $0.suspended = true }
    }

    /// Lets waiters and later ``acquire()`` calls proceed, and clears queues registered with `clearOnResume`.
    public func resume() {
        let (waiters, handlers) = state.withLock { state in
            state.suspended = false
            return (state.waiters.removeAll(), state.resumeHandlers.map(\.handler))
        }
        for handler in handlers { handler() }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Waits while the event is suspended.
    ///
    /// ```swift
    /// try await flow.acquire()
    /// ```
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        let id = state.withLock { $0.waiters.reserve() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    guard state.waiters.isLive(id) else { return .failure(CancellationError()) }
                    guard state.suspended else {
                        state.waiters.finish(id)
                        return .success(())
                    }
                    state.waiters.park(id, (), continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.waiters.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Registers `handler` to run on every ``resume()``; returns an identifier for ``removeResumeHandler(_:)``.
    func addResumeHandler(_ handler: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { state in
            state.nextHandlerID += 1
            state.resumeHandlers.append((state.nextHandlerID, handler))
            return state.nextHandlerID
        }
    }

    func removeResumeHandler(_ id: UInt64) {
        state.withLock { $0.resumeHandlers.removeAll { $0.id == id } }
    }
}
