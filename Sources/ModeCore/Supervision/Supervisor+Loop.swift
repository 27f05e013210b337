import Logging
import Synchronization

/// The supervisor's decision engine with its clock bound: ``SupervisorStateMachine`` over a concrete clock,
/// behind a protocol so a supervisor can hold it for any `any Clock<Duration>`.
protocol SupervisorDeciding: Sendable {
    mutating func childCrashed(at index: Int, childCount: Int) -> SupervisorDecision
    mutating func childRemoved(at index: Int, childCount: Int)
}

struct ClockedSupervisorMachine<C: Clock>: SupervisorDeciding where C.Duration == Duration {
    let clock: C
    var machine: SupervisorStateMachine<C>

    mutating func childCrashed(at index: Int, childCount: Int) -> SupervisorDecision {
        machine.childCount = childCount
        return machine.childCrashed(at: index, now: clock.now)
    }

    mutating func childRemoved(at index: Int, childCount: Int) {
        machine.childCount = childCount
        machine.childRemoved(at: index)
    }
}

/// ``ClockedSupervisorMachine`` for `ContinuousClock`, as a non-generic type: calls through the existential
/// then reach code specialized for the clock (a generic type's witness runs unspecialized, instantiating the
/// machine's dictionary and tuple metadata at run time on every decision).
struct ContinuousSupervisorMachine: SupervisorDeciding {
    var machine: SupervisorStateMachine<ContinuousClock>

    mutating func childCrashed(at index: Int, childCount: Int) -> SupervisorDecision {
        machine.childCount = childCount
        return machine.childCrashed(at: index, now: .now)
    }

    mutating func childRemoved(at index: Int, childCount: Int) {
        machine.childCount = childCount
        machine.childRemoved(at: index)
    }
}

extension Supervisor {
    static func makeDecider<C: Clock>(
        clock: C, policy: SupervisionPolicy, childCount: Int, random: @escaping @Sendable () -> Double
    ) -> any SupervisorDeciding where C.Duration == Duration {
        // The usual clock gets code specialized for it: the generic machine over an opened existential clock
        // instantiates its dictionary and tuple metadata at run time on every decision.
        if clock is ContinuousClock {
            return ContinuousSupervisorMachine(
                machine: SupervisorStateMachine(policy: policy, childCount: childCount, random: random))
        }
        return ClockedSupervisorMachine(
            clock: clock, machine: SupervisorStateMachine(policy: policy, childCount: childCount, random: random))
    }

    /// Takes crash events one at a time until the supervisor stops.
    func runLoop() async {
        guard state.withLock({ $0.crashes.claim() }) else { return }
        setLoopActive(true)
        defer { setLoopActive(false) }
        while let event = await nextCrash() {
            if shouldStop { break }
            var pending: [CrashEvent] = [event]
            var index = 0
            while index < pending.count {
                let next = pending[index]
                index += 1
                guard let again = await handle(next) else { continue }
                if again.escalated { return }
                pending.append(contentsOf: again.crashes)
            }
        }
    }

    /// The next crash, or `nil` once the supervisor stops (or the loop's task is cancelled). A crash already
    /// queued is taken without suspending.
    private func nextCrash() async -> CrashEvent? {
        switch state.withLock({ $0.crashes.take() }) {
        case .event(let event): return event
        case .closed: return nil
        case .empty: break
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CrashEvent?, Never>) in
                let now = state.withLock { state -> CrashQueue.Take in
                    let take = state.crashes.take()
                    guard case .empty = take else { return take }
                    if Task.isCancelled { return .closed }
                    state.crashes.waiter = continuation
                    return .empty
                }
                switch now {
                case .event(let event): continuation.resume(returning: event)
                case .closed: continuation.resume(returning: nil)
                case .empty: break
                }
            }
        } onCancel: {
            state.withLock { $0.crashes.takeWaiter() }?.resume(returning: nil)
        }
    }

    struct HandleOutcome {
        var escalated = false
        var crashes: [CrashEvent] = []
    }

    /// Carries out the decision about one crash. Returns `nil` for a stale event (the child was restarted
    /// or removed since), otherwise whether the supervisor escalated and the crashes of failed restarts.
    private func handle(_ event: CrashEvent) async -> HandleOutcome? {
        let current = children
        guard let index = current.firstIndex(where: { $0 === event.service }),
            event.service.state == .crashed
        else { return nil }
        let decision = state.withLock { state -> SupervisorDecision? in
            // Mutated in place: copying the existential out and back would copy its boxed machine (a
            // malloc and a free per decision).
            state.decider?.childCrashed(at: index, childCount: current.count)
        }
        guard let decision else { return nil }
        let crashedPath = event.service.path
        // Only a logger that would pass the record is built (``Service/logger`` computes the path and takes
        // a lock): a restart at the default level pays for none of the lines below.
        logger(ifEnabled: .debug)?.debug("\(crashedPath) crashed (\(String(reflecting: event.reason))): \(decision)")

        switch decision.kind {
        case .escalate:
            if let exceeded = decision.maxRestartsExceeded {
                // mode: `log.warning("Max restarts exceeded: %r", exc)`, then the supervisor crashes.
                logger.warning("\(Self.maxRestartsLine(crashedPath, exceeded))")
                crash(exceeded)
            } else {
                logger.error("\(crashedPath) crashed; escalating (strategy \(policy.strategy))")
                crash(event.reason)
            }
            return HandleOutcome(escalated: true)
        case .forfeit:
            let given = decision.stop.reversed().map { current[$0] }
            logger.critical("\(Self.forfeitLine(policy.strategy, crashed: [event.service], givenUp: given))")
            for child in decision.stop.map({ current[$0] }) {
                await child.stop()
            }
            for removed in decision.stop.sorted(by: >) {
                let child = current[removed]
                if lifecycle.removeSupervised(child) {
                    state.withLock { state in
                        state.decider?.childRemoved(at: removed, childCount: children.count + 1)
                    }
                }
            }
            return HandleOutcome()
        default:
            return await restart(decision, current: current, crashedPath: crashedPath)
        }
    }

    private func restart(
        _ decision: SupervisorDecision, current: [any Service], crashedPath: String
    ) async -> HandleOutcome {
        for index in decision.stop {
            await current[index].stop()
        }
        if let infoLogger = logger(ifEnabled: .info) {
            for index in decision.restart {
                let child = current[index]
                if index == decision.crashed {
                    infoLogger.info("\(Self.restartingDeadLine(child, decision))")
                } else {
                    infoLogger.info("Restarting \(child.path) with \(crashedPath) (strategy \(policy.strategy))")
                }
            }
        }
        if decision.delay > .zero {
            await sleep(for: decision.delay)
        }
        var outcome = HandleOutcome()
        for index in decision.restart {
            if shouldStop { break }
            let old = current[index]
            do {
                if let replacement {
                    let fresh = replacement(index, old)
                    fresh.lifecycle.setSupervisor(self)
                    lifecycle.replaceSupervised(old, with: fresh, under: self)
                    old.lifecycle.setSupervisor(nil)
                    ServiceTree.emitLifecycle(of: lifecycle, .restarted(path: fresh.path))
                    countRestart()
                    try await fresh.start()
                } else {
                    countRestart()
                    try await old.restart()
                }
            } catch {
                let failed = replacement == nil ? old : (children.indices.contains(index) ? children[index] : old)
                logger.error("Restart of \(failed.path) failed: \(String(reflecting: error))")
                if failed.state == .crashed {
                    outcome.crashes.append(CrashEvent(service: failed, reason: error))
                }
            }
        }
        return outcome
    }

    /// mode's `log.info("Restarting dead %r! Last crash reason: %r", ...)`, plus the attempt and the backoff.
    static func restartingDeadLine(_ child: any Service, _ decision: SupervisorDecision) -> String {
        let reason = child.crashReason.map { String(reflecting: $0) } ?? "nil"
        return "Restarting dead \(child.path)! Last crash reason: \(reason) "
            + "(attempt \(decision.attempt + 1), backoff \(formatDelay(decision.delay)))"
    }

    /// mode's WARNING when the restart intensity is exceeded, with the child and the limit.
    static func maxRestartsLine(_ crashedPath: String, _ exceeded: MaxRestartsExceeded) -> String {
        let window = humanizeSeconds(DurationMath.seconds(exceeded.period))
        return "Max restarts exceeded: \(crashedPath) crashed \(exceeded.maxRestarts + 1) times within \(window) "
            + "(limit \(exceeded.maxRestarts))"
    }

    /// mode's CRITICAL line of the forfeit strategies: `Giving up on crashed services: [...]`
    /// (one-for-one) or `Giving up on all services in group because [...] crashed` (one-for-all).
    static func forfeitLine(_ strategy: SupervisorStrategy, crashed: [any Service], givenUp: [any Service]) -> String {
        if strategy == .forfeitOneForAll {
            return "Giving up on all services in group because \(pathList(crashed)) crashed"
        }
        return "Giving up on crashed services: \(pathList(givenUp))"
    }

    private static func pathList(_ services: [any Service]) -> String {
        "[" + services.map(\.path).joined(separator: ", ") + "]"
    }

    static func formatDelay(_ delay: Duration) -> String {
        let seconds = DurationMath.seconds(delay)
        if seconds < 10 { return "\(Int((seconds * 1000).rounded())) ms" }
        return humanizeSeconds(seconds)
    }
}

extension ServiceLifecycleState {
    /// Appends `child` to the children of `owner` (whose state this is) without a cycle check: a supervisor's
    /// freshly added child.
    func attachSupervised(_ child: any Service, under owner: any Service) {
        if let oldParent = child.lifecycle.parent, oldParent !== owner {
            _ = oldParent.lifecycle.removeChild(child)
        }
        if appendChild(child) {
            child.lifecycle.setParent(owner)
        }
    }

    /// Puts `fresh` in the place of `old` among the children (same start position).
    func replaceSupervised(_ old: any Service, with fresh: any Service, under owner: any Service) {
        let freshState = fresh.lifecycle
        let replaced = state.withLock { state -> Bool in
            guard let index = state.children.firstIndex(where: { $0 === old }) else { return false }
            state.childIDs.remove(ObjectIdentifier(old))
            state.childIDs.insert(ObjectIdentifier(fresh))
            state.children[index] = fresh
            state.childStates[index] = freshState
            return true
        }
        if replaced {
            old.lifecycle.setParent(nil)
            fresh.lifecycle.setParent(owner)
        } else {
            attachSupervised(fresh, under: owner)
        }
    }

    /// Removes a forfeited child. Returns whether it was a child.
    func removeSupervised(_ child: any Service) -> Bool {
        guard removeChild(child) else { return false }
        child.lifecycle.setParent(nil)
        child.lifecycle.setSupervisor(nil)
        return true
    }
}
