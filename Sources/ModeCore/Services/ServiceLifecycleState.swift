import Logging
import Synchronization

/// The bookkeeping swift-mode keeps for every service: its flags, its place in the tree, its tasks,
/// cleanups and waiters.
///
/// A service owns one as a stored `let` (the only stored property the protocol requires), and never
/// touches it directly: every lifecycle operation (``Service/start()``, ``Service/stop()``, ...) reads and
/// writes it under a lock, so a service written as an `actor` or a `final class` needs no
/// `@unchecked Sendable`.
///
/// ```swift
/// actor Cache: Service {
///     let lifecycle = ServiceLifecycleState()
/// }
///
/// // In tests: a manual clock (for sleep, wait timeouts, shutdown timeouts) and a captured logger.
/// let cache = Cache(lifecycle: ServiceLifecycleState(clock: ManualClock(), logger: capture.logger))
/// ```
public final class ServiceLifecycleState: Sendable {
    /// What a suspended waiter waits for.
    enum WakeCondition {
        /// Stop requested.
        case stop
        /// Stop requested or the service crashed.
        case stopOrCrash
        /// ``Service/setShutdown()`` called.
        case shutdownSignal

        func isSatisfied(by state: State) -> Bool {
            switch self {
            case .stop: state.stopRequested
            case .stopOrCrash: state.stopRequested || state.crashed
            case .shutdownSignal: state.shutdownSignalled
            }
        }
    }

    struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        let condition: WakeCondition
    }

    struct State {
        var started = false
        var stopRequested = false
        var stopCompleted = false
        var crashed = false
        var crashReason: (any Error)?
        var crashOrigin: String?
        var shutdownSignalled = false
        var restartCount = 0
        var children: [any Service] = []
        var childIDs: Set<ObjectIdentifier> = []
        weak var parent: (any Service)?
        weak var supervisor: (any ServiceSupervising)?
        var clock: any Clock<Duration>
        var taskExecutor: (any TaskExecutor)?
        var baseLogger: Logger?
        var cachedLogger: (path: String, logger: Logger)?
        var cachedPath: String?
        var backgroundTasks: [UInt64: Task<Void, Never>] = [:]
        var cleanups: [(name: String, body: @Sendable () async throws -> Void)] = []
        var nextWaiterID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var stopCompletedWaiters: [CheckedContinuation<Void, Never>] = []
        var runningSince: ContinuousClock.Instant?
        var labelOverride: String?
    }

    let state: Mutex<State>

    /// Creates the bookkeeping for one service.
    ///
    /// - Parameters:
    ///   - clock: The clock for ``Service/sleep(for:)``, wait timeouts and the shutdown timeout. Defaults to
    ///     `ContinuousClock`; tests pass a `ManualClock`.
    ///   - logger: The base logger. When `nil`, the service uses its parent's, or `Logger(label: "mode")`.
    ///   - label: Overrides the service's ``Service/label`` in logs, paths and graphs.
    public init(clock: any Clock<Duration> = ContinuousClock(), logger: Logger? = nil, label: String? = nil) {
        state = Mutex(State(clock: clock, baseLogger: logger, labelOverride: label))
    }

    // MARK: - Flags

    var isStarted: Bool { state.withLock { $0.started } }
    var shouldStop: Bool { state.withLock { $0.stopRequested || $0.crashed } }
    var restartCount: Int { state.withLock { $0.restartCount } }
    var crashReason: (any Error)? { state.withLock { $0.crashReason } }
    var crashOrigin: String? { state.withLock { $0.crashOrigin } }
    var clock: any Clock<Duration> { state.withLock { $0.clock } }

    var serviceState: ServiceState {
        state.withLock { state in
            if state.crashed { return .crashed }
            if !state.started { return state.stopCompleted ? .shutdown : .initial }
            if !state.stopRequested { return .running }
            return state.stopCompleted ? .shutdown : .stopping
        }
    }

    var uptime: Duration? {
        state.withLock { state in
            guard let since = state.runningSince, state.started, !state.stopCompleted else { return nil }
            return since.duration(to: .now)
        }
    }

    /// Marks the start; returns false when already started.
    func beginStart() -> Bool {
        state.withLock { state in
            if state.started { return false }
            state.started = true
            return true
        }
    }

    func markRunning() {
        state.withLock { $0.runningSince = .now }
    }

    /// Marks the stop; returns false when a stop already happened or is in progress.
    func beginStop() -> Bool {
        let (first, waiters) = state.withLock { state -> (Bool, [Waiter]) in
            if state.stopRequested { return (false, []) }
            state.stopRequested = true
            return (true, Self.takeSatisfiedWaiters(&state))
        }
        for waiter in waiters { waiter.continuation.resume() }
        return first
    }

    func markStopCompleted() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.stopCompleted = true
            state.runningSince = nil
            defer { state.stopCompletedWaiters.removeAll() }
            return state.stopCompletedWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Suspends until a stop has completed (returns at once if one already has).
    package func waitForStopCompleted() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.stopCompleted { return true }
                state.stopCompletedWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Marks this node crashed. Returns false when it already was.
    @discardableResult
    func markCrashed(reason: any Error, origin: String) -> Bool {
        let (first, waiters) = state.withLock { state -> (Bool, [Waiter]) in
            if state.crashed { return (false, []) }
            state.crashed = true
            state.crashReason = reason
            state.crashOrigin = origin
            return (true, Self.takeSatisfiedWaiters(&state))
        }
        for waiter in waiters { waiter.continuation.resume() }
        return first
    }

    /// Clears the flags for a restart (mode's `service_reset`) and counts the restart.
    func reset() {
        state.withLock { state in
            state.restartCount += 1
            state.started = false
            state.stopRequested = false
            state.stopCompleted = false
            state.crashed = false
            state.crashReason = nil
            state.crashOrigin = nil
            state.shutdownSignalled = false
            state.runningSince = nil
        }
    }

    func signalShutdown() {
        let waiters = state.withLock { state -> [Waiter] in
            state.shutdownSignalled = true
            return Self.takeSatisfiedWaiters(&state)
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Removes and returns the waiters whose condition now holds.
    private static func takeSatisfiedWaiters(_ state: inout State) -> [Waiter] {
        let satisfied = state.waiters.filter { $0.value.condition.isSatisfied(by: state) }.keys
        return satisfied.compactMap { state.waiters.removeValue(forKey: $0) }
    }

    // MARK: - Waiting

    /// Suspends until stop is requested (or, with `wakeOnCrash`, the service crashed) or the task is cancelled.
    func waitForStop(wakeOnCrash: Bool) async {
        await wait(for: wakeOnCrash ? .stopOrCrash : .stop)
    }

    /// Suspends until ``Service/setShutdown()`` is called or the task is cancelled.
    func waitForShutdownSignal() async {
        await wait(for: .shutdownSignal)
    }

    /// Suspends until `condition` holds or the calling task is cancelled.
    private func wait(for condition: WakeCondition) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if condition.isSatisfied(by: state) || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(continuation: continuation, condition: condition)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }

    // MARK: - Tree

    var children: [any Service] { state.withLock { $0.children } }
    var parent: (any Service)? { state.withLock { $0.parent } }
    var supervisor: (any ServiceSupervising)? { state.withLock { $0.supervisor } }
    var labelOverride: String? { state.withLock { $0.labelOverride } }

    func setParent(_ parent: (any Service)?) {
        state.withLock { state in
            state.parent = parent
            state.cachedLogger = nil
            state.cachedPath = nil
        }
    }

    var cachedPath: String? { state.withLock { $0.cachedPath } }

    func storeCachedPath(_ path: String) {
        state.withLock { $0.cachedPath = path }
    }

    func appendChild(_ child: any Service) -> Bool {
        state.withLock { state in
            if !state.childIDs.insert(ObjectIdentifier(child)).inserted { return false }
            state.children.append(child)
            return true
        }
    }

    func removeChild(_ child: any Service) -> Bool {
        state.withLock { state in
            guard state.childIDs.remove(ObjectIdentifier(child)) != nil,
                let index = state.children.firstIndex(where: { $0 === child })
            else { return false }
            state.children.remove(at: index)
            return true
        }
    }

    /// Sets (or clears) the supervisor that owns this service: its crashes go to the supervisor instead of
    /// crashing the whole tree.
    public func setSupervisor(_ supervisor: (any ServiceSupervising)?) {
        state.withLock { $0.supervisor = supervisor }
    }

    /// Sets the task executor this service's tasks (and its descendants', unless they set their own) prefer.
    /// The Worker sets its instrumented executor on the root.
    public func setTaskExecutor(_ executor: (any TaskExecutor)?) {
        state.withLock { $0.taskExecutor = executor }
    }

    var ownTaskExecutor: (any TaskExecutor)? { state.withLock { $0.taskExecutor } }

    /// Replaces the base logger of this service (descendants without their own logger inherit it).
    public func setLogger(_ logger: Logger?) {
        state.withLock { state in
            state.baseLogger = logger
            state.cachedLogger = nil
        }
    }

    var ownBaseLogger: Logger? { state.withLock { $0.baseLogger } }

    func cachedLogger(path: String) -> Logger? {
        state.withLock { state in
            guard let cached = state.cachedLogger, cached.path == path else { return nil }
            return cached.logger
        }
    }

    func storeCachedLogger(_ logger: Logger, path: String) {
        state.withLock { $0.cachedLogger = (path, logger) }
    }

    /// Forgets the cached path and logger (the service moved in the tree).
    func invalidateLoggerCache() {
        state.withLock { state in
            state.cachedLogger = nil
            state.cachedPath = nil
        }
    }

    // MARK: - Tasks and cleanups

    func addBackgroundTask(id: UInt64, task: Task<Void, Never>) {
        state.withLock { $0.backgroundTasks[id] = task }
    }

    func removeBackgroundTask(id: UInt64) {
        _ = state.withLock { $0.backgroundTasks.removeValue(forKey: id) }
    }

    func takeBackgroundTasks() -> [(id: UInt64, task: Task<Void, Never>)] {
        state.withLock { state in
            let tasks = state.backgroundTasks.sorted { $0.key < $1.key }.map { (id: $0.key, task: $0.value) }
            state.backgroundTasks.removeAll()
            return tasks
        }
    }

    var backgroundTaskIDs: [UInt64] { state.withLock { $0.backgroundTasks.keys.sorted() } }

    func addCleanup(name: String, _ body: @escaping @Sendable () async throws -> Void) {
        state.withLock { $0.cleanups.append((name, body)) }
    }

    func takeCleanups() -> [(name: String, body: @Sendable () async throws -> Void)] {
        state.withLock { state in
            let cleanups = state.cleanups
            state.cleanups.removeAll()
            return cleanups
        }
    }
}
