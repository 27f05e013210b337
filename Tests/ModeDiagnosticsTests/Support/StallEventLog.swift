import Synchronization

/// Events (stall reports, stall ends) recorded from callbacks, awaited by the tests without sleeping: a waiter is
/// resumed by the event itself, or with nil after a generous deadline.
final class StallEventLog<Event: Sendable>: Sendable {
    private struct Waiter {
        let predicate: @Sendable (Event) -> Bool
        let continuation: CheckedContinuation<Event?, Never>
    }

    private struct State {
        var events: [Event] = []
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    var all: [Event] { state.withLock { $0.events } }

    func append(_ event: Event) {
        let ready: [CheckedContinuation<Event?, Never>] = state.withLock { state in
            state.events.append(event)
            var ready: [CheckedContinuation<Event?, Never>] = []
            for (id, waiter) in state.waiters where waiter.predicate(event) {
                ready.append(waiter.continuation)
                state.waiters.removeValue(forKey: id)
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: event) }
    }

    /// The first event (already recorded or future) matching `predicate`, or nil after `deadline`.
    func first(within deadline: Duration = .seconds(30),
               where predicate: @escaping @Sendable (Event) -> Bool = { _ in true }) async -> Event? {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        let timer = Task {
            try await Task.sleep(for: deadline)
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: nil)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Event?, Never>) in
            let existing: Event? = state.withLock { state in
                if let match = state.events.first(where: predicate) { return match }
                state.waiters[id] = Waiter(predicate: predicate, continuation: continuation)
                return nil
            }
            if let existing { continuation.resume(returning: existing) }
        }
    }
}
