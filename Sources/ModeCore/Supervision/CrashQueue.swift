/// The supervisor's queue of crash events: many producers (`supervisedServiceCrashed`, from any task), one
/// consumer (the supervisor's loop), open from `onStart` to `onStop`. Kept inside the supervisor's mutex.
///
/// It replaces an `AsyncStream`, whose `next()` suspends through a continuation and a task status record
/// even when an element is waiting: a queued crash is taken here without suspending (a supervised restart
/// loop spent a fifth of its time in the stream).
///
/// ```swift
/// var queue = CrashQueue(isOpen: true)
/// let (accepted, waiter) = queue.offer(event)   // resume `waiter` with the event, outside the lock
/// if case .event(let next) = queue.take() { handle(next) }
/// ```
struct CrashQueue: Sendable {
    /// What ``take()`` found.
    enum Take: Sendable {
        case event(Supervisor.CrashEvent)
        /// Nothing queued and the queue is open: the consumer waits.
        case empty
        /// Nothing queued and the queue is closed: the loop ends.
        case closed
    }

    private(set) var isOpen: Bool
    private var events: [Supervisor.CrashEvent] = []
    private var head = 0
    private var claimed = false
    /// The consumer, when it waits for the next event.
    var waiter: CheckedContinuation<Supervisor.CrashEvent?, Never>?

    init(isOpen: Bool = false) {
        self.isOpen = isOpen
    }

    /// The one consumer of this run claims the queue; a second loop gets false.
    mutating func claim() -> Bool {
        guard isOpen, !claimed else { return false }
        claimed = true
        return true
    }

    /// Queues `event`, or hands it to the waiting consumer (returned: the caller resumes it outside the lock).
    /// Returns false when the queue is closed (the supervisor is not running).
    mutating func offer(
        _ event: Supervisor.CrashEvent
    ) -> (accepted: Bool, waiter: CheckedContinuation<Supervisor.CrashEvent?, Never>?) {
        guard isOpen else { return (false, nil) }
        if let waiter = takeWaiter() { return (true, waiter) }
        events.append(event)
        return (true, nil)
    }

    /// The oldest queued event; queued events are still taken after the queue closed (the loop then sees
    /// that the supervisor stops and ends).
    mutating func take() -> Take {
        guard head < events.count else { return isOpen ? .empty : .closed }
        let event = events[head]
        head += 1
        if head == events.count {
            events.removeAll(keepingCapacity: true)
            head = 0
        }
        return .event(event)
    }

    /// Closes the queue; returns the waiting consumer, which the caller resumes with `nil`.
    mutating func close() -> CheckedContinuation<Supervisor.CrashEvent?, Never>? {
        isOpen = false
        return takeWaiter()
    }

    mutating func takeWaiter() -> CheckedContinuation<Supervisor.CrashEvent?, Never>? {
        defer { waiter = nil }
        return waiter
    }
}
