/// A producer's "pressure dropped" callback for ``FlowControlQueue/forcePut(_:onPressureHigh:onPressureDrop:)``
/// (mode's `on_pressure_drop` argument of `put_nowait_enhanced`).
///
/// The queue keeps each handler that reported high pressure, by identity, until it calls it: keep one
/// handler per producer and pass the same one on every put, so a producer is told "high" once and "drop"
/// once per episode.
///
/// ```swift
/// let resume = PressureDropHandler { consumer.resumeFetching() }
/// if queue.forcePut(record, onPressureHigh: { consumer.pauseFetching() }, onPressureDrop: resume) {
///     print("queue under pressure")
/// }
/// ```
public final class PressureDropHandler: Sendable, Hashable {
    private let body: @Sendable () -> Void

    /// Wraps `body`, called when the queue's pressure has dropped.
    public init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }

    /// Calls the wrapped closure.
    public func callAsFunction() { body() }

    public static func == (lhs: PressureDropHandler, rhs: PressureDropHandler) -> Bool { lhs === rhs }

    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
