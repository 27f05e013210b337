import ModeCore
import ServiceLifecycle

extension Worker {
    /// Runs `service` — a member of the application's `ServiceGroup`, such as a Hummingbird `Application` — as a
    /// named task of this Worker's tree, so the stall reports, `ps` and dumps name it: code it runs (and every
    /// child task it creates, such as a request handler) is reported as `service: Worker/<label>`, `task: run`.
    ///
    /// The group still runs, orders and shuts down the wrapped service exactly as before: the wrapper only adds
    /// the name around its `run()`.
    ///
    /// ```swift
    /// let group = ServiceGroup(
    ///     services: [WorkerService(worker), worker.watching(application, as: "Hummingbird")],
    ///     gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    /// ```
    public func watching(
        _ service: any ServiceLifecycle.Service, as label: String, fileID: String = #fileID, line: Int = #line
    ) -> some ServiceLifecycle.Service {
        WatchedGroupMember(
            service: service, tasks: lifecycle.tree.tasks, servicePath: "\(path)/\(label)", fileID: fileID, line: line)
    }
}

/// A group member run inside a registry scope of the Worker's tree (see ``Worker/watching(_:as:fileID:line:)``).
struct WatchedGroupMember: ServiceLifecycle.Service {
    let service: any ServiceLifecycle.Service
    let tasks: TaskRegistry
    let servicePath: String
    /// Where ``Worker/watching(_:as:fileID:line:)`` was called: the task's `created at`.
    let fileID: String
    let line: Int

    func run() async throws {
        try await tasks.withScope("run", kind: .task, servicePath: servicePath, fileID: fileID, line: line) {
            try await service.run()
        }
    }
}
