/// What a supervisor must do about a crash, as decided by ``SupervisorStateMachine``.
///
/// Carry it out in this order: stop the children in ``stop`` (already in reverse start order), then, for
/// ``Kind/restart``, wait ``delay`` and start the children in ``restart`` (in start order); for
/// ``Kind/escalate``, crash the supervisor with ``maxRestartsExceeded`` (or, when that is `nil`, with the
/// child's own error: the ``SupervisorStrategy/crashing`` strategy).
///
/// ```swift
/// let decision = machine.childCrashed(at: index, now: clock.now)
/// for child in decision.stop { await children[child].stop() }
/// switch decision.kind {
/// case .restart:
///     try await clock.sleep(for: decision.delay)
///     for child in decision.restart { try await children[child].restart() }
/// case .escalate: throw decision.maxRestartsExceeded ?? childError
/// default: break   // .forfeit: the children stay stopped
/// }
/// ```
public struct SupervisorDecision: Hashable, Sendable, CustomStringConvertible {
    /// The kind of decision.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable { case restart, forfeit, escalate }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Stop ``SupervisorDecision/stop``, wait ``SupervisorDecision/delay``, start ``SupervisorDecision/restart``.
        public static let restart = Self(.restart)
        /// Stop ``SupervisorDecision/stop`` and give up on them (forfeit strategies).
        public static let forfeit = Self(.forfeit)
        /// Stop ``SupervisorDecision/stop`` (every child) and crash the supervisor.
        public static let escalate = Self(.escalate)

        public var description: String { "\(wrapped)" }
    }

    /// The kind of decision.
    public let kind: Kind
    /// The crashed child's index in start order.
    public let crashed: Int
    /// Children to stop, in reverse start order. Includes the crashed child (stopping it is its clean-up).
    public let stop: [Int]
    /// Children to start again, in start order (empty unless ``kind`` is ``Kind/restart``).
    public let restart: [Int]
    /// How long to wait before restarting (backoff with jitter).
    public let delay: Duration
    /// Which consecutive restart of the crashed child this is (0 for the first since the backoff reset).
    public let attempt: Int
    /// Set when ``kind`` is ``Kind/escalate`` because the restart intensity was exceeded.
    public let maxRestartsExceeded: MaxRestartsExceeded?

    public var description: String {
        switch kind {
        case .restart: "restart \(restart) after \(delay) (attempt \(attempt + 1); stop \(stop))"
        case .forfeit: "forfeit: stop \(stop)"
        default: "escalate\(maxRestartsExceeded.map { " (\($0))" } ?? ""): stop \(stop)"
        }
    }
}
