/// What spawned a task the library tracks.
///
/// ```swift
/// let timers = app.lifecycle.tree.tasks.liveTasks().filter { $0.kind == .timer }
/// ```
public struct TaskKind: Sendable, Hashable, Codable, CustomStringConvertible {
    let rawValue: String

    /// A background task declared in a service's `tasks` (mode's `@Service.task`).
    public static let task = TaskKind(rawValue: "task")
    /// A periodic timer (mode's `@Service.timer`).
    public static let timer = TaskKind(rawValue: "timer")
    /// A cron job (mode's `@Service.crontab`).
    public static let cron = TaskKind(rawValue: "cron")
    /// A one-off task added with `addFuture` (mode's `add_future`).
    public static let future = TaskKind(rawValue: "future")
    /// A supervisor's own loop.
    public static let supervisor = TaskKind(rawValue: "supervisor")
    /// A task spawned by user code through ``TaskRegistry/spawn(_:kind:servicePath:fileID:line:executor:operation:)``.
    public static let user = TaskKind(rawValue: "user")
    /// A task of the service lifecycle itself (starting, stopping, a worker's main task).
    public static let lifecycle = TaskKind(rawValue: "lifecycle")
    /// One request (or any unit of work a server handles), scoped with ``TaskRegistry/withRequest(_:trace:fileID:line:isolation:operation:)``.
    public static let request = TaskKind(rawValue: "request")

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
}
