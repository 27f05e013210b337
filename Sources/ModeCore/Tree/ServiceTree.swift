/// What the services of one tree share: the registry of their tasks and the observers of their events.
///
/// The root service owns it and every descendant resolves its root's (``ServiceLifecycleState/tree``), so two
/// trees in one process — two Workers, two test suites — never see each other's tasks or events. Any number of
/// observers may watch a tree, each with its own ``Observation``:
///
/// ```swift
/// let tree = app.lifecycle.tree
/// let observation = tree.observeLifecycle { event in
///     if case .crashed(let path, let reason) = event { print("\(path) crashed: \(reason)") }
/// }
/// for await event in tree.lifecycleEvents() { print(event) }   // or as an AsyncSequence
/// print(tree.tasks.liveTasks().count)
/// ```
public final class ServiceTree: Sendable {
    /// The registry of every task the tree's services spawn.
    public let tasks: TaskRegistry

    let lifecycleObservers = ObserverList<ServiceLifecycleEvents.Event>()
    let threadObservers = ObserverList<ServiceThreadExecutor.Event>()

    /// Creates a tree context (the root service creates its own on first use).
    ///
    /// ```swift
    /// let tree = ServiceTree(historyLimit: 100)
    /// ```
    public init(historyLimit: Int = 1000) {
        tasks = TaskRegistry(historyLimit: historyLimit)
    }

    /// Calls `observer` for every start, stop, crash and restart of a service of this tree, synchronously
    /// where it happens (keep it cheap), until the observation is cancelled or released.
    ///
    /// ```swift
    /// let observation = tree.observeLifecycle { print($0) }
    /// ```
    public func observeLifecycle(_ observer: @escaping @Sendable (ServiceLifecycleEvents.Event) -> Void) -> Observation {
        lifecycleObservers.add(observer)
    }

    /// The tree's lifecycle events from now on, as an `AsyncStream` (the newest 1,024 are kept when the
    /// consumer falls behind).
    ///
    /// ```swift
    /// for await event in tree.lifecycleEvents() { print(event) }
    /// ```
    public func lifecycleEvents() -> AsyncStream<ServiceLifecycleEvents.Event> {
        lifecycleObservers.stream()
    }

    /// Calls `observer` when a ``ServiceThread`` of this tree starts its thread or is about to join it (the
    /// Worker's watchdog registers a heartbeat for each).
    ///
    /// ```swift
    /// let observation = tree.observeServiceThreads { event in print(event) }
    /// ```
    public func observeServiceThreads(_ observer: @escaping @Sendable (ServiceThreadExecutor.Event) -> Void) -> Observation {
        threadObservers.add(observer)
    }
}
