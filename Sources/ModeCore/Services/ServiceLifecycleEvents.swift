/// The lifecycle events of a tree's services, observed with ``ServiceTree/observeLifecycle(_:)`` or
/// ``ServiceTree/lifecycleEvents()`` (any number of observers per tree; the Worker's swift-metrics counters
/// are one).
///
/// ```swift
/// let observation = app.lifecycle.tree.observeLifecycle { event in
///     if case .crashed(let path, _) = event { print("\(path) crashed") }
/// }
/// ```
public enum ServiceLifecycleEvents {
    /// A lifecycle event of one service.
    public enum Event: Sendable, Equatable {
        case started(path: String)
        case stopped(path: String)
        case crashed(path: String, reason: String)
        case restarted(path: String)
    }
}
