/// FIFO bookkeeping for tasks parked on a continuation, kept inside a `Mutex` by its owner.
///
/// Cancellation-safe protocol, used by the flow-control types:
/// 1. ``reserve()`` an identifier before suspending (the waiter is now *live*);
/// 2. inside the continuation, under the lock: if ``isLive(_:)`` is false the task was cancelled before it
///    could park (throw `CancellationError`); otherwise complete at once (``finish(_:)``) or ``park(_:_:_:)``;
/// 3. whoever completes a parked waiter takes it with ``popFirst()`` or ``removeAll()`` under the lock and
///    resumes it outside the lock;
/// 4. the cancellation handler calls ``cancel(_:)`` under the lock and resumes what it returns with
///    `CancellationError`. Identifiers are forgotten in every path, so nothing leaks.
struct FlowControlWaiters<Payload, Output> {
    struct Waiter {
        let id: UInt64
        let payload: Payload
        let continuation: CheckedContinuation<Output, any Error>
    }

    private var nextID: UInt64 = 0
    private var live: Set<UInt64> = []
    private var parked: [Waiter] = []

    var isEmpty: Bool { parked.isEmpty }
    var count: Int { parked.count }

    mutating func reserve() -> UInt64 {
        nextID += 1
        live.insert(nextID)
        return nextID
    }

    func isLive(_ id: UInt64) -> Bool { live.contains(id) }

    mutating func finish(_ id: UInt64) { live.remove(id) }

    mutating func park(_ id: UInt64, _ payload: Payload, _ continuation: CheckedContinuation<Output, any Error>) {
        parked.append(Waiter(id: id, payload: payload, continuation: continuation))
    }

    mutating func popFirst() -> Waiter? {
        guard !parked.isEmpty else { return nil }
        let waiter = parked.removeFirst()
        live.remove(waiter.id)
        return waiter
    }

    mutating func removeAll() -> [Waiter] {
        let all = parked
        parked = []
        for waiter in all { live.remove(waiter.id) }
        return all
    }

    /// Forgets `id`; returns its continuation if it was parked (resume it with `CancellationError`).
    mutating func cancel(_ id: UInt64) -> CheckedContinuation<Output, any Error>? {
        guard live.remove(id) != nil else { return nil }
        guard let index = parked.firstIndex(where: { $0.id == id }) else { return nil }
        return parked.remove(at: index).continuation
    }
}
