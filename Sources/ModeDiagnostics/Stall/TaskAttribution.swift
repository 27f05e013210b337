/// Who owns a running job: the task, its service and where it was created.
///
/// The Worker's task registry registers one per task in ``TaskAttributionTable``; stall reports and crash
/// reports name the stalled task with it.
///
/// ```swift
/// let attribution = TaskAttribution(taskID: 7, taskName: "poll", servicePath: "app/cache",
///                                   creationSite: "App/Cache.swift:42")
/// print(attribution.label)   // "app/cache poll (App/Cache.swift:42)"
/// ```
public struct TaskAttribution: Sendable, Codable, Equatable, Hashable {
    /// The registry's id for the task, if it has one.
    public var taskID: UInt64?
    /// The task's name.
    public var taskName: String
    /// Path of the owning service in the service tree (`app/cache`), if any.
    public var servicePath: String?
    /// Where the task was created (`#fileID:#line`).
    public var creationSite: String?
    /// When the stalled code ran not in the named task itself but in a task created inside it: an `async let`
    /// or task-group child, or a `Task {}` (``RunningTask/Relation/unstructured``). `nil` for the task itself.
    public var createdTask: RunningTask.Relation?

    /// Creates an attribution.
    public init(taskID: UInt64? = nil, taskName: String, servicePath: String? = nil, creationSite: String? = nil,
                createdTask: RunningTask.Relation? = nil) {
        self.taskID = taskID
        self.taskName = taskName
        self.servicePath = servicePath
        self.creationSite = creationSite
        self.createdTask = createdTask
    }

    /// How ``createdTask`` reads in a report: `in an async let child task`, `in a task-group child task`,
    /// `in a Task {} created in it`; empty for the task itself.
    public var createdTaskDescription: String {
        switch createdTask {
        case nil: ""
        case .asyncLetChild: "in an async let child task"
        case .groupChild: "in a task-group child task"
        case .unstructured: "in a Task {} created in it"
        }
    }

    /// One-line form, also what the crash handler reads: `service/path task-name (file:line)`.
    public var label: String {
        var parts: [String] = []
        if let servicePath { parts.append(servicePath) }
        parts.append(taskName)
        if createdTask != nil { parts.append("(\(createdTaskDescription))") }
        if let creationSite { parts.append("(\(creationSite))") }
        return parts.joined(separator: " ")
    }
}
