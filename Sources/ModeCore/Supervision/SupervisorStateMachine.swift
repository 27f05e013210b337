/// The pure decision logic of a supervisor: given a crash of child *i* of *N*, which children to stop and
/// restart, after what delay, and when to give up and escalate.
///
/// Children are identified by their index in start order. The machine applies the strategy's stop/restart
/// sets, the restart intensity (``SupervisionPolicy/maxRestarts`` within ``SupervisionPolicy/period``) and a
/// per-child exponential backoff with jitter that resets after ``RestartBackoff/resetAfter`` without a crash.
/// It never sleeps and never touches a service; tests drive it with a manual clock and a fixed random source.
///
/// ```swift
/// var machine = SupervisorStateMachine<ContinuousClock>(policy: SupervisionPolicy(strategy: .restForOne), childCount: 3)
/// let decision = machine.childCrashed(at: 1, now: .now)
/// // decision.stop == [2, 1], decision.restart == [1, 2], decision.delay ≈ 100...120 ms
/// ```
public struct SupervisorStateMachine<C: Clock>: Sendable where C.Duration == Duration {
    /// The policy in force.
    public let policy: SupervisionPolicy
    /// Number of supervised children (indices `0..<childCount`). Update it when children are added or removed.
    public var childCount: Int

    private var intensity: RestartIntensity<C>
    private var attempts: [Int: (count: Int, lastCrash: C.Instant)] = [:]
    private let random: @Sendable () -> Double

    /// Creates a machine for `childCount` children.
    ///
    /// - Parameter random: the jitter source, returning values in `[0, 1)`; inject a constant in tests.
    public init(
        policy: SupervisionPolicy, childCount: Int,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.policy = policy
        self.childCount = childCount
        self.intensity = RestartIntensity(maxRestarts: policy.maxRestarts, period: policy.period)
        self.random = random
        // Allocated here, when the supervisor starts, not by its first decision (on the restart's critical path).
        attempts.reserveCapacity(childCount)
    }

    /// Decides what to do about child `index` crashing at `now`.
    ///
    /// ```swift
    /// let decision = machine.childCrashed(at: 0, now: clock.now)
    /// if decision.kind == .escalate { logger.critical("\(decision.maxRestartsExceeded!)") }
    /// ```
    public mutating func childCrashed(at index: Int, now: C.Instant) -> SupervisorDecision {
        precondition((0..<childCount).contains(index), "child index \(index) out of 0..<\(childCount)")
        var all: [Int] { Array(0..<childCount) }
        let affected: [Int]
        switch policy.strategy.wrapped {
        case .oneForOne, .forfeitOneForOne: affected = [index]
        case .oneForAll, .forfeitOneForAll: affected = all
        case .restForOne: affected = Array(index..<childCount)
        case .crashing:
            return decision(.escalate, index, stop: all.reversed(), attempt: 0)
        }
        switch policy.strategy.wrapped {
        case .forfeitOneForOne, .forfeitOneForAll:
            return decision(.forfeit, index, stop: affected.reversed(), attempt: 0)
        default:
            break
        }

        var attempt = 0
        if let previous = attempts[index], previous.lastCrash.duration(to: now) < policy.backoff.resetAfter {
            attempt = previous.count + 1
        }
        guard intensity.recordRestart(at: now) else {
            let error = MaxRestartsExceeded(maxRestarts: policy.maxRestarts, period: policy.period, childIndex: index)
            return decision(.escalate, index, stop: all.reversed(), attempt: attempt, error: error)
        }
        attempts[index] = (attempt, now)
        // No random draw (a getrandom syscall) when there is no jitter to scale: `.immediate` restarts.
        let delay = policy.backoff.delay(forAttempt: attempt, random: policy.backoff.isJittered ? random() : 0)
        return SupervisorDecision(
            kind: .restart, crashed: index, stop: affected.reversed(), restart: affected, delay: delay,
            attempt: attempt, maxRestartsExceeded: nil)
    }

    /// Registers a child appended after the existing ones; returns its index.
    ///
    /// ```swift
    /// let index = machine.childAdded()
    /// ```
    public mutating func childAdded() -> Int {
        childCount += 1
        return childCount - 1
    }

    /// Forgets child `index` (its backoff history) and shifts the later children down by one.
    ///
    /// ```swift
    /// machine.childRemoved(at: 1)   // child 2 is now child 1
    /// ```
    public mutating func childRemoved(at index: Int) {
        precondition((0..<childCount).contains(index), "child index \(index) out of 0..<\(childCount)")
        var shifted: [Int: (count: Int, lastCrash: C.Instant)] = [:]
        for (child, record) in attempts where child != index {
            shifted[child > index ? child - 1 : child] = record
        }
        attempts = shifted
        childCount -= 1
    }

    /// Restarts counted in the intensity window at `now`.
    public func restartCount(at now: C.Instant) -> Int { intensity.restartCount(at: now) }

    private func decision(
        _ kind: SupervisorDecision.Kind, _ index: Int, stop: [Int], attempt: Int, error: MaxRestartsExceeded? = nil
    ) -> SupervisorDecision {
        SupervisorDecision(
            kind: kind, crashed: index, stop: stop, restart: [], delay: .zero, attempt: attempt,
            maxRestartsExceeded: error)
    }
}
