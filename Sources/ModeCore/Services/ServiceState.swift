/// The lifecycle state of a service, as mode reports it.
///
/// `ServiceState` is a struct with static members rather than an enum so that states can be added
/// without breaking users (the convention of the Swift server packages).
///
/// ```swift
/// if service.state == .crashed { print(service.crashReason ?? "unknown") }
/// ```
///
/// Unlike Python mode, a service whose `stop()` has completed reports ``shutdown``; ``stopping`` is only
/// observed while a stop is in progress (mode leaves a stopped service in "stopping" unless
/// `set_shutdown()` was called, which surprised its users).
public struct ServiceState: Sendable, Hashable, CustomStringConvertible {
    enum Wrapped: String, Sendable, Hashable {
        case initial = "init"
        case running
        case stopping
        case shutdown
        case crashed
    }

    let wrapped: Wrapped

    /// Created but not started (also after `restart()` resets it, until it starts again).
    public static let initial = ServiceState(wrapped: .initial)
    /// Started and not asked to stop.
    public static let running = ServiceState(wrapped: .running)
    /// `stop()` is in progress.
    public static let stopping = ServiceState(wrapped: .stopping)
    /// `stop()` has completed.
    public static let shutdown = ServiceState(wrapped: .shutdown)
    /// The service (or, without a supervisor, any service of its tree) crashed. Crashed wins over the others.
    public static let crashed = ServiceState(wrapped: .crashed)

    /// mode's spelling: `init`, `running`, `stopping`, `shutdown`, `crashed`.
    public var description: String { wrapped.rawValue }
}
