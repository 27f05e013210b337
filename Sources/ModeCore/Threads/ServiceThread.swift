/// A service whose hooks and tasks run on its own OS thread (mode's `ServiceThread`): the remedy a stall
/// report points to when a service must call blocking code.
///
/// `ServiceThread` hosts one service, built by a closure that receives the thread's
/// ``ServiceThreadExecutor``. Make the hosted service an actor that uses it as its executor; then every
/// hook and method of the actor runs on the thread `mode-svc-<label>`, and its declared tasks prefer that
/// thread too. On start the thread is created before the hosted service starts. On stop, after the hosted
/// service has stopped, every task started from the thread outside the service API (a `Task {}` in the
/// hosted actor, a driver's loop) is cancelled and allowed to finish, the queued work runs, and the thread
/// is joined — also when the start fails — so no thread and no task is left behind (mode 0.7.1's sweep;
/// <doc:DifferencesFromMode> says what counts as started there). Each start creates a fresh thread.
///
/// ```swift
/// actor Database: Service {
///     let lifecycle = ServiceLifecycleState()
///     let thread: ServiceThreadExecutor
///     nonisolated var unownedExecutor: UnownedSerialExecutor { thread.unownedExecutor }
///     init(thread: ServiceThreadExecutor) { self.thread = thread }
///
///     func onStart() async throws { try blockingConnect() }        // runs on "mode-svc-Databa"
///     func count() -> Int { blockingCount() }                      // so does this
/// }
///
/// let database = ServiceThread { Database(thread: $0) }
/// try app.addDependency(database)
/// let rows = await database.service.count()                        // hops to the thread and back
/// let now = try await database.run { blockingClockRead() }         // any closure, on the thread
/// ```
///
/// In the tree the wrapper appears as `ServiceThread` (or the label you pass) with the hosted service as
/// its only child.
public final class ServiceThread<Hosted: Service>: Service {
    public let lifecycle: ServiceLifecycleState
    /// The handle on the service's thread.
    public let thread: ServiceThreadExecutor
    /// The hosted service.
    public let service: Hosted

    /// Creates the wrapper and the hosted service.
    ///
    /// ```swift
    /// let database = ServiceThread(label: "DatabaseThread") { Database(thread: $0) }
    /// ```
    ///
    /// - Parameters:
    ///   - label: the wrapper's label (default `ServiceThread`).
    ///   - threadName: the OS thread's name (default `mode-svc-<hosted type name>`, truncated to 15 bytes).
    ///   - make: builds the hosted service from the thread's executor handle.
    public init(
        label: String? = nil, threadName: String? = nil, _ make: (ServiceThreadExecutor) -> Hosted
    ) {
        let thread = ServiceThreadExecutor(threadName: threadName ?? "mode-svc-\(Hosted.self)")
        self.thread = thread
        self.service = make(thread)
        lifecycle = ServiceLifecycleState(label: label ?? "ServiceThread")
    }

    /// The hosted service, the wrapper's only child.
    public var dependencies: [any Service] { [service] }

    /// Starts a fresh thread before the hosted service starts, makes it the preferred executor of the tasks
    /// below, and registers its join as a cleanup (run after the hosted service stopped, also on a failed
    /// start). Called by ``Service/start()``.
    public func onStart() async throws {
        let observers = lifecycle.tree.threadObservers
        let executor = try thread.startThread(notifying: observers)
        lifecycle.setTaskExecutor(executor)
        let thread = self.thread
        addCleanup("join \(thread.threadName)") { await thread.shutdownThread(notifying: observers) }
    }

    /// Runs `body` on the service's thread and returns its result (or error) to the caller.
    ///
    /// ```swift
    /// let checksum = try await database.run { try computeChecksumBlocking() }
    /// ```
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await thread.run(body)
    }
}
