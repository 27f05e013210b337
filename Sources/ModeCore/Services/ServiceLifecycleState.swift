#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CModePrefetch
import Logging
import Synchronization

/// The bookkeeping swift-mode keeps for every service: its lifecycle machine (where it is in its
/// cycle), its place in the tree, its tasks, cleanups and waiters.
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
        /// The start of cycle `cycle` has settled (it finished, failed, or the service was reset since).
        case startSettled(cycle: Int)
        /// The stop of cycle `cycle` has finished (or the service was reset since).
        case stopCompleted(cycle: Int)

        func isSatisfied(by machine: LifecycleMachine) -> Bool {
            switch self {
            case .stop: machine.stopRequested
            case .stopOrCrash: machine.shouldStop
            case .shutdownSignal: machine.shutdownSignalled
            case .startSettled(let cycle): machine.phase != .starting || machine.restartCount != cycle
            case .stopCompleted(let cycle): machine.phase == .shutdown || machine.restartCount != cycle
            }
        }
    }

    struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        let condition: WakeCondition
    }

    /// The machine and the storage it is driven with, guarded together by one mutex.
    struct State {
        // Declaration order is layout order: what every start and stop touches comes first (the machine,
        // the children, the loggers the level checks read, the tasks step), so a service's start+stop touches
        // two or three cache lines of this storage, not six.
        var machine = LifecycleMachine()
        var children: [any Service] = []
        /// The children's own storage, in the same order (to prefetch the next child's while one starts or stops).
        var childStates: [ServiceLifecycleState] = []
        var baseLogger: Logger?
        /// The parent's logger, kept by a level check that did not need this service's own logger.
        var inheritedLogger: Logger?
        var backgroundTasks: [UInt64: Task<Void, Never>] = [:]
        var cleanups: [(name: String, body: @Sendable () async throws -> Void)] = []
        var waiters: [UInt64: Waiter] = [:]
        var cachedLogger: (path: String, logger: Logger)?
        var nextWaiterID: UInt64 = 0
        var childIDs: Set<ObjectIdentifier> = []
        weak var parent: (any Service)?
        weak var supervisor: (any ServiceSupervising)?
        var clock: any Clock<Duration>
        var taskExecutor: (any TaskExecutor)?
        var cachedPath: String?
        var labelOverride: String?
        /// The tree this service belongs to: created by a root on first use, copied from the parent by a
        /// descendant (forgotten when the service moves).
        var tree: ServiceTree?
        /// Drift statistics of this service's timers and state of its cron jobs, by task name (created by
        /// the first timer or cron job; they go with the service).
        var timerStatistics: [String: TimerStatistics]?
        var cronStatus: [String: CronJobStatus]?

        /// Forgets the loggers derived from the tree (the service or an ancestor moved, or an ancestor's
        /// logger changed).
        mutating func forgetLoggers() {
            cachedLogger = nil
            inheritedLogger = nil
        }
    }

    /// When the service last reached "Started." (``continuousNanoseconds()``), 0 while it is not running.
    private let runningSince = Atomic<UInt64>(0)
    let state: Mutex<State>

    /// Creates the bookkeeping for one service.
    ///
    /// - Parameters:
    ///   - clock: The clock for ``Service/sleep(for:)``, wait timeouts and the shutdown timeout. Defaults to
    ///     `ContinuousClock`; tests pass a `ManualClock`.
    ///   - logger: The base logger. When `nil`, the service uses its parent's, or `Logger(label: "mode")`.
    ///   - label: Overrides the service's ``Service/label`` in logs, paths and graphs.
    public init(clock: any Clock<Duration> = ContinuousClock(), logger: Logger? = nil, label: String? = nil) {
        state = Mutex(State(baseLogger: logger, clock: clock, labelOverride: label))
    }

    // MARK: - The machine

    /// Feeds one event to the lifecycle machine under the lock, then resumes the waiters whose condition
    /// now holds (outside the lock).
    @discardableResult
    func transition<Result>(_ event: (inout LifecycleMachine) -> Result) -> Result {
        transitionReading { event(&$0.machine) }
    }

    /// ``transition(_:)`` for an event that also reads the rest of the storage (in the same lock).
    @discardableResult
    private func transitionReading<Result>(_ event: (inout State) -> Result) -> Result {
        let (result, woken) = state.withLock { state -> (Result, [Waiter]) in
            let result = event(&state)
            return (result, Self.takeSatisfiedWaiters(&state))
        }
        for waiter in woken { waiter.continuation.resume() }
        return result
    }

    /// A copy of the machine (for reading several fields consistently).
    var machine: LifecycleMachine { state.withLock { $0.machine } }

    /// The machine's phase (without copying the machine, whose crash reason is reference counted).
    var phase: LifecycleMachine.Phase { state.withLock { $0.machine.phase } }
    /// Both in one lock, for a restart's walk up the tree.
    var stopRequestedAndParent: (Bool, (any Service)?) { state.withLock { ($0.machine.stopRequested, $0.parent) } }

    /// What a stop request decided, with what the stop needs next from the same lock.
    struct StopRequest {
        var action: LifecycleMachine.StopAction
        /// Whether the stop's own lines at the level asked for pass the logger this service holds (`nil`: it
        /// holds none yet, or the stop does not run).
        var loggerPasses: Bool?
        /// The service had no children when the stop was requested.
        var childless: Bool
    }

    /// Feeds a stop request to the machine and, when the stop runs, judges `level` against the logger this
    /// service holds, in the same lock. The calling task is read only when a start is in flight (the one case
    /// where the machine compares it with the start's task).
    func requestStop(judging level: Logger.Level) -> StopRequest {
        transitionReading { state in
            let action = state.machine.requestStop(
                task: state.machine.phase == .starting ? TaskRegistry.currentTaskAddress() : nil)
            guard action == .run else { return StopRequest(action: action, childless: false) }
            return StopRequest(
                action: action, loggerPasses: Self.heldLevel(&state).map { level >= $0 },
                childless: state.children.isEmpty)
        }
    }

    /// Moves a stop in flight to `step`. No wake condition depends on the step, so unlike ``transition(_:)``
    /// it resumes no waiter: one lock and nothing else (it runs at every step of every service's stop).
    func advanceStop(to step: LifecycleMachine.StopStep) {
        state.withLock { _ = $0.machine.advance(to: step) }
    }

    /// Moves a stop in flight to its children step and returns the children to stop (one lock).
    ///
    /// With `goOnToTasksIfChildless` (the driver knows the service does not wait for ``Service/setShutdown()``),
    /// a service that has no children goes on to its tasks step in the same lock, and `tasksPending` says what
    /// ``advanceStopToTasks()`` would have; it is `nil` when the driver still has to take that step itself.
    func advanceStopToChildren(
        goOnToTasksIfChildless: Bool
    ) -> (children: [any Service], childStates: [ServiceLifecycleState], tasksPending: Bool?) {
        state.withLock { state in
            state.machine.advance(to: .children)
            guard goOnToTasksIfChildless, state.children.isEmpty else { return (state.children, state.childStates, nil) }
            return ([], [], Self.advanceToTasks(&state))
        }
    }

    /// Moves a stop in flight to its tasks step and returns whether there is anything to cancel or clean
    /// up (one lock). When there is not, the stop goes straight to `onShutdown` and the driver skips the
    /// two async calls.
    func advanceStopToTasks() -> Bool {
        state.withLock { Self.advanceToTasks(&$0) }
    }

    private static func advanceToTasks(_ state: inout State) -> Bool {
        state.machine.advance(to: .tasks)
        if state.backgroundTasks.isEmpty && state.cleanups.isEmpty {
            state.machine.advance(to: .onShutdown)
            return false
        }
        return true
    }

    // MARK: - Start steps

    /// The start's step after `onStart`, in one lock: `nil` when the start ends there (a stop was requested or
    /// the service crashed; `cancelled` is the calling task's cancellation, read by the caller), else the
    /// children to start and the logger this service holds for the first child's level check.
    func startChildrenStep(
        cancelled: Bool
    ) -> (children: [any Service], childStates: [ServiceLifecycleState], heldLogger: Logger?)? {
        state.withLock { state in
            if cancelled || state.machine.shouldStop { return nil }
            return (state.children, state.childStates, state.children.isEmpty ? nil : Self.held(&state))
        }
    }

    /// Hints the CPU to fetch the storage of child `index` (its object and the lines every start and stop
    /// touches) while the current child starts or stops: a large tree's nodes are scattered over the heap, and
    /// its start and stop otherwise wait for each child's cache misses one after the other. Never faults.
    @inline(__always)
    static func prefetch(_ children: [any Service], _ childStates: [ServiceLifecycleState], at index: Int) {
        guard index >= 0, index < childStates.count, index < children.count else { return }
        childStates.withUnsafeBufferPointer { states in
            let storage = UnsafeRawPointer(Unmanaged.passUnretained(states[index]).toOpaque())
            c_mode_prefetch(storage)
            c_mode_prefetch(storage + 64)
            c_mode_prefetch(storage + 128)
        }
        children.withUnsafeBufferPointer { services in
            c_mode_prefetch(UnsafeRawPointer(bitPattern: UInt(bitPattern: ObjectIdentifier(services[index]))))
        }
    }

    /// After a child started, in one lock: whether the start should stop starting children (as `shouldStop`;
    /// `cancelled` read by the caller), and, when it goes on and `more` children follow, the logger this
    /// service holds for the next child's level check.
    func childStarted(cancelled: Bool, more: Bool) -> (stop: Bool, heldLogger: Logger?) {
        state.withLock { state in
            if cancelled || state.machine.shouldStop { return (true, nil) }
            return (false, more ? Self.held(&state) : nil)
        }
    }

    var shouldStop: Bool { state.withLock { $0.machine.shouldStop } }
    var restartCount: Int { state.withLock { $0.machine.restartCount } }
    var crashReason: (any Error)? { state.withLock { $0.machine.crash?.reason } }
    var crashOrigin: String? { state.withLock { $0.machine.crash?.origin } }
    var clock: any Clock<Duration> { state.withLock { $0.clock } }
    var serviceState: ServiceState { state.withLock { $0.machine.serviceState } }

    /// The step a stop in flight has reached, or `nil` when no stop is running.
    package var stopStep: LifecycleMachine.StopStep? {
        state.withLock { state in
            guard case .stopping(let step) = state.machine.phase else { return nil }
            return step
        }
    }

    var uptime: Duration? {
        let since = runningSince.load(ordering: .relaxed)
        guard since != 0 else { return nil }
        return .nanoseconds(Int64(bitPattern: Self.continuousNanoseconds() &- since))
    }

    /// The start sequence has reached "Started." (uptime counts from here). An atomic, not the lock: it is
    /// written once per start and read only by ``uptime``.
    func markRunning() {
        runningSince.store(Self.continuousNanoseconds(), ordering: .relaxed)
    }

    /// `ContinuousClock`'s time base (CLOCK_BOOTTIME on Linux: it goes on while the machine sleeps), in
    /// nanoseconds; never 0 on a running system.
    private static func continuousNanoseconds() -> UInt64 {
        var now = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_BOOTTIME, &now)
        #else
        clock_gettime(CLOCK_MONOTONIC_RAW, &now)
        #endif
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// The stop sequence has finished: the machine moves to shutdown and the stop waiters resume.
    func finishStop() {
        let woken = state.withLock { state -> [Waiter] in
            state.machine.stopFinished()
            runningSince.store(0, ordering: .relaxed)
            return Self.takeSatisfiedWaiters(&state)
        }
        for waiter in woken { waiter.continuation.resume() }
    }

    /// Suspends until the stop of the current cycle has finished (returns at once if it has).
    package func waitForStopCompleted() async {
        let cycle = restartCount
        await wait(for: .stopCompleted(cycle: cycle), cancellable: false)
    }

    func signalShutdown() {
        transition { $0.signalShutdown() }
    }

    /// Removes and returns the waiters whose condition now holds, oldest first (a dictionary's order
    /// differs from one instance to the next; resuming in arrival order keeps runs reproducible).
    private static func takeSatisfiedWaiters(_ state: inout State) -> [Waiter] {
        if state.waiters.isEmpty { return [] }
        let satisfied = state.waiters.filter { $0.value.condition.isSatisfied(by: state.machine) }.keys.sorted()
        return satisfied.compactMap { state.waiters.removeValue(forKey: $0) }
    }

    // MARK: - Waiting

    /// Suspends until stop is requested (or, with `wakeOnCrash`, the service crashed) or the task is cancelled.
    func waitForStop(wakeOnCrash: Bool) async {
        await wait(for: wakeOnCrash ? .stopOrCrash : .stop, cancellable: true)
    }

    /// Suspends until ``Service/setShutdown()`` is called or the task is cancelled.
    func waitForShutdownSignal() async {
        await wait(for: .shutdownSignal, cancellable: true)
    }

    /// Suspends until `condition` holds or, when `cancellable`, the calling task is cancelled.
    ///
    /// The lifecycle's own waits (a stop waiting for a start, a second stop for the first) are not
    /// cancellable: `stop()` returns only once the stop has finished, as mode shields a child's stop.
    func wait(for condition: WakeCondition, cancellable: Bool) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        guard cancellable else { return await suspend(id: id, until: condition, cancellable: false) }
        await withTaskCancellationHandler {
            await suspend(id: id, until: condition, cancellable: true)
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }

    private func suspend(id: UInt64, until condition: WakeCondition, cancellable: Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if condition.isSatisfied(by: state.machine) || (cancellable && CurrentTask.isCancelled) { return true }
                state.waiters[id] = Waiter(continuation: continuation, condition: condition)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
