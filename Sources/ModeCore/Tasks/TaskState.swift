/// The state of a tracked task.
///
/// The registry knows whether a task is alive or how it ended. Whether a live task is on a thread right
/// now (`running`) or parked at an `await` (`suspended`) is only known where the executor is instrumented:
/// the registry records live tasks as ``running`` and the Worker's diagnostics refine that to
/// ``suspended`` when no thread is executing the task.
///
/// ```swift
/// let failed = app.lifecycle.tree.tasks.finishedTasks().filter { $0.state == .failed }
/// ```
public struct TaskState: Sendable, Hashable, Codable, CustomStringConvertible {
    let rawValue: String

    /// Alive (started and not finished).
    public static let running = TaskState(rawValue: "running")
    /// Alive and parked at an `await` (only reported where executor instrumentation can tell).
    public static let suspended = TaskState(rawValue: "suspended")
    /// Returned normally.
    public static let finished = TaskState(rawValue: "finished")
    /// Ended by cancellation (`CancellationError`, or returned after being cancelled).
    public static let cancelled = TaskState(rawValue: "cancelled")
    /// Threw an error; ``TaskRecord/error`` has it.
    public static let failed = TaskState(rawValue: "failed")

    init(rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Whether the task has ended.
    public var isTerminal: Bool { self == .finished || self == .cancelled || self == .failed }

    public var description: String { rawValue }
}
