import Synchronization

/// A weak reference to the owner of a signal receiver (``Signal/connect(owner:id:from:_:)``).
final class WeakOwner<Owner: AnyObject & Sendable>: Sendable {
    private let reference: Mutex<WeakReference>

    private struct WeakReference {
        weak var object: Owner?
    }

    init(_ object: Owner) {
        reference = Mutex(WeakReference(object: object))
    }

    /// The owner, or `nil` once it has been deallocated.
    var object: Owner? { reference.withLock { $0.object } }
}
