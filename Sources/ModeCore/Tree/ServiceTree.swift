import Synchronization

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

    private let hooksAttributed = Atomic<Bool>(false)
    /// How many trees attribute their hooks: lets every other tree skip the check without resolving itself
    /// (a hint read before the tree's own flag; its only process-wide use).
    static let treesAttributingHooks = Atomic<Int>(0)

    /// Whether any tree in the process attributes its hooks (when not, no tree needs resolving per hook).
    static var anyAttributesHooks: Bool { treesAttributingHooks.load(ordering: .relaxed) != 0 }

    /// How many lifecycle observers all trees have: with none, a lifecycle event does not resolve its tree
    /// (the same kind of hint as ``treesAttributingHooks``).
    private static let lifecycleObserverCount = Atomic<Int>(0)

    /// Whether any tree in the process has a lifecycle observer.
    static var anyLifecycleObservers: Bool { lifecycleObserverCount.load(ordering: .relaxed) != 0 }

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

    /// Whether each lifecycle hook (`onFirstStart`, `onStart`, `onStarted`, `onStop`, `onShutdown`,
    /// `onRestart`) runs inside a registry scope named after it, so a stall in a hook (or in a task it
    /// creates) names the service and the hook. Off by default; the Worker turns it on while its stall
    /// watchdog runs. Costs a registry record per hook call while on.
    ///
    /// ```swift
    /// app.lifecycle.tree.attributesHooks = true
    /// ```
    public var attributesHooks: Bool {
        get { hooksAttributed.load(ordering: .relaxed) }
        set {
            let old = hooksAttributed.exchange(newValue, ordering: .relaxed)
            if old != newValue { Self.treesAttributingHooks.add(newValue ? 1 : -1, ordering: .relaxed) }
        }
    }

    deinit {
        if hooksAttributed.load(ordering: .relaxed) { Self.treesAttributingHooks.subtract(1, ordering: .relaxed) }
    }

    /// Calls `observer` for every start, stop, crash and restart of a service of this tree, synchronously
    /// where it happens (keep it cheap), until the observation is cancelled or released.
    ///
    /// ```swift
    /// let observation = tree.observeLifecycle { print($0) }
    /// ```
    public func observeLifecycle(_ observer: @escaping @Sendable (ServiceLifecycleEvents.Event) -> Void) -> Observation {
        let observation = lifecycleObservers.add(observer)
        Self.lifecycleObserverCount.add(1, ordering: .relaxed)
        return Observation {
            observation.cancel()
            Self.lifecycleObserverCount.subtract(1, ordering: .relaxed)
        }
    }

    /// The tree's lifecycle events from now on, as an `AsyncStream` (the newest 1,024 are kept when the
    /// consumer falls behind).
    ///
    /// ```swift
    /// for await event in tree.lifecycleEvents() { print(event) }
    /// ```
    public func lifecycleEvents() -> AsyncStream<ServiceLifecycleEvents.Event> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1024)) { continuation in
            let observation = observeLifecycle { continuation.yield($0) }
            continuation.onTermination = { _ in observation.cancel() }
        }
    }

    /// Tells the tree's lifecycle observers about `event`; resolves nothing when no tree has one.
    static func emitLifecycle(of lifecycle: ServiceLifecycleState, _ event: @autoclosure () -> ServiceLifecycleEvents.Event) {
        guard anyLifecycleObservers else { return }
        lifecycle.tree.lifecycleObservers.emit(event())
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
