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

    /// Creates an attribution.
    public init(taskID: UInt64? = nil, taskName: String, servicePath: String? = nil, creationSite: String? = nil) {
        self.taskID = taskID
        self.taskName = taskName
        self.servicePath = servicePath
        self.creationSite = creationSite
    }

    /// One-line form, also what the crash handler reads: `service/path task-name (file:line)`.
    public var label: String {
        var parts: [String] = []
        if let servicePath { parts.append(servicePath) }
        parts.append(taskName)
        if let creationSite { parts.append("(\(creationSite))") }
        return parts.joined(separator: " ")
    }
}
