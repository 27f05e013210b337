import Synchronization

/// Records events in the order they happen, from any thread, and lets a test wait for one.
///
/// ```swift
/// let events = EventRecorder()
/// events.record("A.onStart")
/// await events.waitFor("A.onStart")
/// #expect(events.events == ["A.onStart"])
/// ```
public final class EventRecorder: Sendable {
    private struct State {
        var events: [String] = []
        var waiters: [(event: String, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Appends an event and wakes tests waiting for it.
    public func record(_ event: String) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.events.append(event)
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                if waiter.event == event {
                    ready.append(waiter.continuation)
                    return true
                }
                return false
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Everything recorded so far, in order.
    public var events: [String] { state.withLock { $0.events } }

    /// Suspends until `event` has been recorded (returns at once if it already was).
    public func waitFor(_ event: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.events.contains(event) { return true }
                state.waiters.append((event, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Forgets all events.
    public func reset() { state.withLock { $0.events.removeAll() } }
}
