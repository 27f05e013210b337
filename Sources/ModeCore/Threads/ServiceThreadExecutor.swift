import Synchronization

/// The executor of a ``ServiceThread``: a stable handle on the service's current OS thread, which is
/// started when the service starts and joined when it stops (a new thread on every start).
///
/// A hosted actor adopts it as its executor, so its hooks and methods run on that thread:
///
/// ```swift
/// actor Database: Service {
///     let lifecycle = ServiceLifecycleState()
///     let thread: ServiceThreadExecutor
///     nonisolated var unownedExecutor: UnownedSerialExecutor { thread.unownedExecutor }
///     init(thread: ServiceThreadExecutor) { self.thread = thread }
///     func onStart() async throws { connection = blockingConnect() }   // on thread mode-svc-Database
/// }
/// ```
public final class ServiceThreadExecutor: Sendable, CustomStringConvertible {
    /// The name given to each thread (Linux keeps at most 15 bytes: `mode-svc-` plus 6 characters).
    public let threadName: String
    private let current = Mutex<DedicatedThreadExecutor?>(nil)

    /// Creates the handle; no thread runs until the service starts (or the executor is first used).
    public init(threadName: String) {
        self.threadName = DedicatedThreadExecutor.truncatedThreadName(threadName)
    }

    /// The current thread's executor. Before the first start it starts a thread on first use; after a stop
    /// it is the stopped one (jobs that still arrive run on a short-lived fallback thread, with a warning).
    public var executor: DedicatedThreadExecutor {
        current.withLock { current in
            if let existing = current { return existing }
            let created = Self.makeExecutor(threadName)
            current = created
            return created
        }
    }

    /// For `nonisolated var unownedExecutor: UnownedSerialExecutor { thread.unownedExecutor }`.
    public var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// The kernel thread id (`gettid`) of the running thread, or `nil` when none runs.
    public var threadID: Int32? {
        current.withLock { current in
            guard let current, !current.isShuttingDown else { return nil }
            return current.threadID
        }
    }

    /// Whether the caller runs on the service's thread.
    public var isCurrentThread: Bool { current.withLock { $0?.isCurrentThread ?? false } }

    /// Runs `body` on the service's thread and returns its result to the caller.
    ///
    /// ```swift
    /// let rows = try await database.thread.run { blockingQuery() }
    /// ```
    ///
    /// - Throws: what `body` throws; ``DedicatedThreadError`` (`shutDown`) when the service has stopped.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await executor.run(body)
    }

    /// Starts a new thread unless one is running; returns its executor.
    func startThread(notifying observers: ObserverList<Event>) throws(DedicatedThreadError) -> DedicatedThreadExecutor {
        let existing = current.withLock { $0 }
        if let existing, !existing.isShuttingDown { return existing }
        let created = try DedicatedThreadExecutor(name: threadName, tracksStartedTasks: true)
        current.withLock { $0 = created }
        observers.emit(
            .started(
                name: threadName, threadID: created.threadID, submit: Self.heartbeatSubmit(created),
                currentJob: Self.currentJob(created)))
        return created
    }

    /// Cancels the tasks started from the thread and lets them finish, lets the queued work finish and joins
    /// the thread: no task is left behind (mode 0.7.1's `_gather_remaining_tasks`).
    func shutdownThread(notifying observers: ObserverList<Event>) async {
        guard let existing = current.withLock({ $0 }), !existing.isShuttingDown else { return }
        observers.emit(.stopping(name: threadName, threadID: existing.threadID))
        await existing.cancelStartedTasks()
        await existing.shutdown()
    }

    private static func makeExecutor(_ name: String) -> DedicatedThreadExecutor {
        do {
            return try DedicatedThreadExecutor(name: name, tracksStartedTasks: true)
        } catch {
            fatalError("cannot start thread \(name): \(error)")
        }
    }

    public var description: String { "ServiceThreadExecutor(\(threadName))" }
}
