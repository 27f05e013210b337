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
    /// The distributed-tracing trace id of the work (a request scope's), when known.
    public var traceID: String?
    /// The span id that goes with ``traceID``, when known.
    public var spanID: String?

    /// Creates an attribution.
    public init(taskID: UInt64? = nil, taskName: String, servicePath: String? = nil, creationSite: String? = nil,
                createdTask: RunningTask.Relation? = nil, traceID: String? = nil, spanID: String? = nil) {
        self.taskID = taskID
        self.taskName = taskName
        self.servicePath = servicePath
        self.creationSite = creationSite
        self.createdTask = createdTask
        self.traceID = traceID
        self.spanID = spanID
    }

    /// `trace=<id> span=<id>` (or `trace=<id>`), `nil` without a trace id: how reports show the trace.
    public var traceDescription: String? {
        guard let traceID else { return nil }
        return spanID.map { "trace=\(traceID) span=\($0)" } ?? "trace=\(traceID)"
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

    /// One-line form, also what the crash handler reads: `service/path task-name [trace=… span=…] (file:line)`.
    /// The trace comes before the creation site so that the crash handler's fixed-size copy keeps it.
    public var label: String {
        var parts: [String] = []
        if let servicePath { parts.append(servicePath) }
        parts.append(taskName)
        if createdTask != nil { parts.append("(\(createdTaskDescription))") }
        if let traceDescription { parts.append(traceDescription) }
        if let creationSite { parts.append("(\(creationSite))") }
        return parts.joined(separator: " ")
    }
}
