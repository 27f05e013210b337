/// The crash reason of a service whose background task threw: names the service, the task, where the
/// task was declared, and the error (with its underlying errors, through `String(reflecting:)`).
///
/// ```swift
/// if let failure = service.crashReason as? ServiceTaskFailure { print(failure.taskName, failure.error) }
/// ```
public struct ServiceTaskFailure: Error, Sendable, CustomStringConvertible {
    /// The path of the service that owns the task.
    public var servicePath: String
    /// The task's name.
    public var taskName: String
    /// The task's registry id.
    public var taskID: UInt64
    /// Where the task was declared or spawned (`#fileID:#line`).
    public var creationSite: String
    /// The task's kind.
    public var kind: TaskKind
    /// The error the task threw.
    public var error: any Error

    public var description: String {
        "\(kind) '\(taskName)' (id \(taskID), created at \(creationSite)) of \(servicePath) failed: "
            + String(reflecting: error)
    }
}
