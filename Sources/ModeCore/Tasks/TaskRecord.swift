/// Everything the library knows about one task it spawned.
///
/// Records are snapshots: ``TaskRegistry`` returns copies, so reading them never blocks the tasks.
///
/// ```swift
/// for record in app.lifecycle.tree.tasks.liveTasks() {
///     print(record.id, record.name, record.servicePath ?? "-", record.creationSite)
/// }
/// ```
public struct TaskRecord: Sendable, Identifiable, Codable, Equatable {
    /// A process-unique, increasing identifier (stable for the task's life; used by the console's `where`).
    public var id: UInt64
    /// The task's name (the declared name of a background task, timer or cron job).
    public var name: String
    /// The path of the service that owns the task (`Worker/AppService/Webserver`), if any.
    public var servicePath: String?
    /// What spawned the task.
    public var kind: TaskKind
    /// Where the task was declared or spawned, as `#fileID:#line`.
    public var creationSite: String
    /// Alive, or how it ended.
    public var state: TaskState
    /// The id of the tracked task that spawned this one, if it was spawned from a tracked task.
    public var parentID: UInt64?
    /// Seconds since the UNIX epoch when the task was created.
    public var createdAt: Double
    /// Seconds since the UNIX epoch when the task ended, if it did.
    public var endedAt: Double?
    /// Monotonic nanoseconds at creation (for ages and durations; not comparable across processes).
    public var createdMonotonicNanoseconds: UInt64
    /// Monotonic nanoseconds at the end, if the task ended.
    public var endedMonotonicNanoseconds: UInt64?
    /// The runtime identity of the task (the address of its `AsyncTask` object, which is also the address of
    /// its jobs), once the task has started running. Executor instrumentation maps a running job back to its
    /// task record through this.
    public var runtimeAddress: UInt?
    /// The error a failed task threw, rendered with `String(reflecting:)`.
    public var error: String?
    /// The trace and span the task's work belongs to (a request scope's), when known.
    public var trace: TraceIdentity? = nil

    /// How long the task has been alive (or lived), in seconds, measured against `nowMonotonicNanoseconds`.
    public func age(nowMonotonicNanoseconds: UInt64) -> Double {
        let end = endedMonotonicNanoseconds ?? nowMonotonicNanoseconds
        return Double(end &- createdMonotonicNanoseconds) / 1e9
    }
}
