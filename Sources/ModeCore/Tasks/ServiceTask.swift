/// A background task declared by a service: mode's `@Service.task`, `@Service.timer` and
/// `@Service.crontab`, in one uniform Swift shape.
///
/// A service lists its tasks in ``Service/tasks``; they start after `onStart` (before the children) every
/// time the service starts, and are cancelled after the children stop. An error thrown by a task crashes
/// its service with that error; cancellation does not.
///
/// ```swift
/// actor Poller: Service {
///     let lifecycle = ServiceLifecycleState()
///
///     nonisolated var tasks: [ServiceTask] {
///         [.task("poll") {
///             while !self.shouldStop {
///                 await self.poll()
///                 await self.sleep(for: .seconds(1))
///             }
///         }]
///     }
///
///     func poll() async { /* ... */ }
/// }
/// ```
public struct ServiceTask: Sendable {
    /// The task's name, shown in logs, the console and stall reports.
    public var name: String
    /// What kind of task this is.
    public var kind: TaskKind
    /// Where the task was declared (`#fileID:#line`).
    public var creationSite: String
    /// The body run by the service. It receives nothing: capture the service (tasks are declared as
    /// `nonisolated var tasks`, so `self` is available).
    let body: @Sendable (ServiceTaskContext) async throws -> Void

    /// Creates a task of any kind from a body that receives the task's context.
    public init(
        name: String, kind: TaskKind, fileID: String = #fileID, line: Int = #line,
        body: @escaping @Sendable (ServiceTaskContext) async throws -> Void
    ) {
        self.name = name
        self.kind = kind
        self.creationSite = "\(fileID):\(line)"
        self.body = body
    }

    /// A background task: runs once per start of its service (mode's `@Service.task`).
    ///
    /// ```swift
    /// .task("consume") { try await self.consume() }
    /// ```
    public static func task(
        _ name: String, fileID: String = #fileID, line: Int = #line,
        _ body: @escaping @Sendable () async throws -> Void
    ) -> ServiceTask {
        ServiceTask(name: name, kind: .task, fileID: fileID, line: line) { _ in try await body() }
    }
}

/// What a running ``ServiceTask`` knows about where it runs.
public struct ServiceTaskContext: Sendable {
    /// The owning service.
    public let service: any Service
    /// The task's registry id.
    public let taskID: UInt64
    /// The task's name.
    public let name: String
}
