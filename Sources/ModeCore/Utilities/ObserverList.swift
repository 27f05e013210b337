import Synchronization

/// Any number of observers of one kind of event, each added and removed on its own: the one mechanism behind
/// every observable part of the library (a tree's lifecycle events, a task registry's task events).
///
/// Observers run synchronously where the event happens, in the order they were added; keep them short and
/// never block in them. With no observer an emit costs one relaxed atomic load and builds no event.
///
/// ```swift
/// let list = ObserverList<String>()
/// let observation = list.add { print($0) }
/// list.emit("started")        // prints "started"
/// observation.cancel()        // or let it go: it cancels when released
/// ```
package final class ObserverList<Event: Sendable>: Sendable {
    package typealias Observer = @Sendable (Event) -> Void

    // A nominal box, not the function itself, is the lock's value: see LockedFunction for why.
    private struct Entry: Sendable {
        var id: UInt64
        var observer: Observer
    }

    private struct Storage: Sendable {
        var nextID: UInt64 = 0
        var entries: [Entry] = []
    }

    private let storage = Mutex(Storage())
    private let count = Atomic<Int>(0)

    /// Creates an empty list.
    package init() {}

    /// Whether any observer is registered (a racy hint for skipping work).
    package var isEmpty: Bool { count.load(ordering: .relaxed) == 0 }

    /// Adds `observer`; it is called for every event emitted until the returned observation is cancelled or
    /// released.
    package func add(_ observer: @escaping Observer) -> Observation {
        let id = storage.withLock { storage -> UInt64 in
            storage.nextID += 1
            storage.entries.append(Entry(id: storage.nextID, observer: observer))
            return storage.nextID
        }
        count.add(1, ordering: .relaxed)
        return Observation { [weak self] in self?.remove(id) }
    }

    private func remove(_ id: UInt64) {
        let removed = storage.withLock { storage -> Bool in
            guard let index = storage.entries.firstIndex(where: { $0.id == id }) else { return false }
            storage.entries.remove(at: index)
            return true
        }
        if removed { count.subtract(1, ordering: .relaxed) }
    }

    /// Calls every observer with the event (built only when there is an observer).
    package func emit(_ event: @autoclosure () -> Event) {
        if isEmpty { return }
        let entries = storage.withLock { $0.entries }
        if entries.isEmpty { return }
        let value = event()
        for entry in entries { entry.observer(value) }
    }

    /// The events as an `AsyncStream`, from now on, until the consumer stops iterating.
    package func stream(bufferingPolicy: AsyncStream<Event>.Continuation.BufferingPolicy = .bufferingNewest(1024))
        -> AsyncStream<Event>
    {
        AsyncStream(bufferingPolicy: bufferingPolicy) { continuation in
            let observation = add { continuation.yield($0) }
            continuation.onTermination = { _ in observation.cancel() }
        }
    }
}
