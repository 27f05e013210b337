import Logging
import Synchronization

/// A service that supervises the services added to it: it notices their crashes at once, restarts them
/// according to its ``SupervisionPolicy`` (strategy, restart intensity, backoff), and escalates when they
/// crash too often (mode's `OneForOneSupervisor` and friends, plus OTP's `rest_for_one`).
///
/// The supervised services are the supervisor's children, started in the order they were added and
/// stopped in reverse. A crash of a child — or of any service below it that has no closer supervisor —
/// reaches the supervisor synchronously (``ServiceSupervising``); its decision is computed by
/// ``SupervisorStateMachine`` on the supervisor's clock and carried out by the supervisor's own loop task
/// (kind ``TaskKind/supervisor`` in the ``TaskRegistry``): stop the named children in reverse order, wait
/// the backoff on the clock, restart them in start order (or build replacements). Beyond the restart
/// intensity it logs `Max restarts exceeded` and crashes itself with ``MaxRestartsExceeded``: with no
/// supervisor above, the whole tree crashes and a Worker exits with status 1.
///
/// ```swift
/// let supervisor = Supervisor(strategy: .oneForOne)
/// supervisor.supervise(Consumer(), Indexer())
/// try await Worker(supervisor, options: options).run()
/// ```
public final class Supervisor: Service, ServiceSupervising {
    /// Builds a fresh service in place of a crashed one: `(index in start order, old service)`.
    public typealias Replacement = @Sendable (_ index: Int, _ old: any Service) -> any Service

    public let lifecycle: ServiceLifecycleState
    /// The strategy, restart intensity and backoff in force.
    public let policy: SupervisionPolicy
    let replacement: Replacement?
    let random: @Sendable () -> Double
    let state = Mutex(RunState())

    struct CrashEvent: Sendable {
        let service: any Service
        let reason: any Error
    }

    struct RunState: Sendable {
        /// The crash queue of the current run: open from `onStart` to `onStop`, one consumer (the loop).
        var crashes = CrashQueue()
        var decider: (any SupervisorDeciding)?
        var loopActive = false
        var loopIdleWaiters: [CheckedContinuation<Void, Never>] = []
        var restarts = 0
    }

    /// Creates a supervisor.
    ///
    /// ```swift
    /// var policy = SupervisionPolicy(strategy: .restForOne)
    /// policy.maxRestarts = 3
    /// let supervisor = Supervisor(policy: policy, label: "Pipeline")
    /// ```
    ///
    /// - Parameters:
    ///   - policy: strategy, restart intensity and backoff. Default: one-for-one, 5 restarts in 10 s.
    ///   - label: the name in logs and paths. Default: mode's class names (`OneForOneSupervisor`, ...).
    ///   - clock: the clock of the intensity window and the backoff (tests pass a `ManualClock`).
    ///   - logger: the base logger (default: inherited from the parent).
    ///   - replacement: when set, a crashed child is replaced by the service it returns instead of being
    ///     restarted.
    ///   - random: the jitter source in `[0, 1)`; inject a constant in tests.
    public init(
        policy: SupervisionPolicy = SupervisionPolicy(), label: String? = nil,
        clock: any Clock<Duration> = ContinuousClock(), logger: Logger? = nil,
        replacement: Replacement? = nil, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.policy = policy
        self.replacement = replacement
        self.random = random
        self.lifecycle = ServiceLifecycleState(
            clock: clock, logger: logger, label: label ?? Self.defaultLabel(for: policy.strategy))
    }

    /// Creates a supervisor with `strategy` and otherwise the default policy.
    ///
    /// ```swift
    /// let supervisor = Supervisor(strategy: .oneForAll, label: "Shards")
    /// ```
    public convenience init(
        strategy: SupervisorStrategy, label: String? = nil, clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger? = nil, replacement: Replacement? = nil
    ) {
        self.init(
            policy: SupervisionPolicy(strategy: strategy), label: label, clock: clock, logger: logger,
            replacement: replacement)
    }

    /// The label mode gives each kind of supervisor.
    static func defaultLabel(for strategy: SupervisorStrategy) -> String {
        switch strategy {
        case .oneForAll: "OneForAllSupervisor"
        case .restForOne: "RestForOneSupervisor"
        case .forfeitOneForOne: "ForfeitOneForOneSupervisor"
        case .forfeitOneForAll: "ForfeitOneForAllSupervisor"
        case .crashing: "CrashingSupervisor"
        default: "OneForOneSupervisor"
        }
    }

    /// The supervisor's loop: a task of kind ``TaskKind/supervisor``.
    public var tasks: [ServiceTask] {
        [ServiceTask(name: "supervisor", kind: .supervisor) { _ in await self.runLoop() }]
    }

    /// Restarts (and replacements) carried out since the supervisor was created.
    ///
    /// ```swift
    /// print("\(supervisor.restartsPerformed) restarts")
    /// ```
    public var restartsPerformed: Int { state.withLock { $0.restarts } }

    /// Supervises `services`: adds them as children (after the existing ones) without starting them.
    /// Use it before the supervisor starts; at run time use ``add(_:)``.
    ///
    /// ```swift
    /// supervisor.supervise(Consumer(), Indexer())
    /// ```
    public func supervise(_ services: any Service...) {
        for service in services {
            attach(service)
        }
    }

    /// Supervises `service` and, when the supervisor is running, starts it.
    ///
    /// ```swift
    /// let consumer = try await supervisor.add(Consumer(topic: "orders"))
    /// ```
    @discardableResult
    public func add<S: Service>(_ service: S) async throws -> S {
        service.lifecycle.setSupervisor(self)
        return try await addRuntimeDependency(service)
    }

    private func attach(_ service: any Service) {
        service.lifecycle.setSupervisor(self)
        lifecycle.attachSupervised(service, under: self)
    }

    // MARK: - Lifecycle hooks

    /// Prepares a new crash queue and decision machine (a restarted supervisor starts afresh) and marks every
    /// child as supervised. Called by ``Service/start()``.
    public func onStart() async throws {
        for child in children {
            child.lifecycle.setSupervisor(self)
        }
        let decider = Self.makeDecider(
            clock: lifecycle.clock, policy: policy, childCount: children.count, random: random)
        state.withLock { state in
            state.crashes = CrashQueue(isOpen: true)
            state.decider = decider
        }
    }

    /// Stops taking crashes and waits for a decision in progress to finish (a backoff wait ends at once).
    /// Called by ``Service/stop()``.
    public func onStop() async throws {
        state.withLock { $0.crashes.close() }?.resume(returning: nil)
        await waitForLoopIdle()
    }

    // MARK: - ServiceSupervising

    /// Called by swift-mode when a supervised child (or a service below it) crashed; queues the crash for
    /// the supervisor's loop. Synchronous and cheap.
    public func supervisedServiceCrashed(_ service: any Service, reason: any Error) {
        let event = CrashEvent(service: service, reason: reason)
        let (accepted, waiter) = state.withLock { $0.crashes.offer(event) }
        if accepted {
            waiter?.resume(returning: event)
        } else {
            logger.warning("\(service.path) crashed while the supervisor is not running: not restarted")
        }
    }

    private func waitForLoopIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                if !state.loopActive { return true }
                state.loopIdleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    func setLoopActive(_ active: Bool) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.loopActive = active
            guard !active else { return [] }
            defer { state.loopIdleWaiters.removeAll() }
            return state.loopIdleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func countRestart() {
        state.withLock { $0.restarts += 1 }
    }
}
