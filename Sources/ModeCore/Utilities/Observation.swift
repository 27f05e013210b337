import Synchronization

/// A registered observer: cancel it (or release it) and the observer is never called again.
///
/// ```swift
/// let observation = tree.observeLifecycle { event in print(event) }
/// defer { observation.cancel() }
/// ```
public final class Observation: Sendable {
    private let onCancel: Mutex<(@Sendable () -> Void)?>

    package init(_ onCancel: @escaping @Sendable () -> Void) {
        self.onCancel = Mutex(onCancel)
    }

    /// Removes the observer (idempotent).
    public func cancel() {
        let action = onCancel.withLock { action -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        action?()
    }

    deinit { cancel() }
}
