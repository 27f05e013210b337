import CModeSupport

/// The Swift task a captured thread was running, as read from inside it by the capture signal handler (or,
/// for a thread blocked in the kernel, from the task object of its executor's job: ``TaskObjectReader``).
///
/// A stall is attributed with it: ``scopeID`` (the value of the task-local registered with
/// ``StackCapture/readScope(_:)``, swift-mode's task id) names the service task that created the running
/// task when the running task is a child task (`async let`, a task group) or a `Task {}`, which inherit
/// task-locals; ``address`` names a task that was registered itself.
///
/// ```swift
/// let stack = try StackCapture.capture(threadID: tid)
/// if let task = stack.runningTask, task.relation == .asyncLetChild {
///     print("an async let child of task \(task.scopeID ?? 0)")
/// }
/// ```
public struct RunningTask: Sendable, Hashable, Codable {
    /// How the running task was created, from its job flags.
    public enum Relation: String, Sendable, Hashable, Codable {
        /// A child task of an `async let`.
        case asyncLetChild = "async-let-child"
        /// A child task of a task group (`withTaskGroup`, `withDiscardingTaskGroup`, …).
        case groupChild = "task-group-child"
        /// Not a child task: `Task {}`, `Task.detached`, or a task the runtime started (the main task).
        case unstructured
    }

    /// The task's address (`swift_task_getCurrent()`, also the address of its jobs).
    public var address: UInt
    /// How the task was created.
    public var relation: Relation
    /// The registered task-local's value in this task, if bound or inherited.
    public var scopeID: UInt64?

    /// Creates a value (for tests and replay).
    public init(address: UInt, relation: Relation, scopeID: UInt64? = nil) {
        self.address = address
        self.relation = relation
        self.scopeID = scopeID
    }

    init?(_ clues: c_mode_task_clues) {
        guard clues.task != 0 else { return nil }
        address = UInt(clues.task)
        let flags = clues.flags
        if flags & UInt32(C_MODE_TASK_FLAG_ASYNC_LET) != 0 {
            relation = .asyncLetChild
        } else if flags & UInt32(C_MODE_TASK_FLAG_GROUP_CHILD) != 0 {
            relation = .groupChild
        } else {
            relation = .unstructured
        }
        scopeID = clues.has_scope != 0 ? clues.scope : nil
    }
}
