import Logging

extension Service {
    /// Runs `operation` as a task owned by this service (mode's `add_future`).
    ///
    /// The task is tracked by the ``TaskRegistry`` (so the console and stall reports can name it), is
    /// cancelled when the service stops (after its children), and crashes the service if it throws anything
    /// but cancellation. Unlike the declared ``tasks``, it is not re-created on restart.
    ///
    /// ```swift
    /// addFuture("warm-cache") { try await self.warm() }
    /// ```
    @discardableResult
    public func addFuture(
        _ name: String, fileID: String = #fileID, line: Int = #line,
        _ operation: @escaping @Sendable () async throws -> Void
    ) -> Task<Void, Never> {
        spawnOwnedTask(name: name, kind: .future, creationSite: "\(fileID):\(line)") { _ in try await operation() }
    }

    /// Starts one declared task.
    func startBackgroundTask(_ task: ServiceTask) {
        spawnOwnedTask(name: task.name, kind: task.kind, creationSite: task.creationSite, body: task.body)
    }

    @discardableResult
    func spawnOwnedTask(
        name: String, kind: TaskKind, creationSite: String,
        body: @escaping @Sendable (ServiceTaskContext) async throws -> Void
    ) -> Task<Void, Never> {
        let lifecycle = self.lifecycle
        let registry = lifecycle.tree.tasks
        let servicePath = path
        let id = registry.register(name: name, kind: kind, servicePath: servicePath, creationSite: creationSite)
        let task = Task(name: name, executorPreference: taskExecutor) {
            await TaskRegistry.$currentTaskID.withValue(id) {
                registry.markStarted(id: id, runtimeAddress: TaskRegistry.currentTaskAddress())
                let outcome: TaskRegistry.TaskOutcome
                do {
                    try await body(ServiceTaskContext(service: self, taskID: id, name: name))
                    outcome = Task.isCancelled ? .cancelled : .finished
                } catch {
                    outcome = (error is CancellationError || Task.isCancelled) ? .cancelled : .failed(error)
                }
                lifecycle.removeBackgroundTask(id: id)
                registry.markEnded(id: id, outcome: outcome)
                if case .failed(let error) = outcome {
                    self.crash(
                        ServiceTaskFailure(
                            servicePath: servicePath, taskName: name, taskID: id, creationSite: creationSite,
                            kind: kind, error: error
                        )
                    )
                }
            }
        }
        registry.setCancel(id: id) { task.cancel() }
        if !lifecycle.addBackgroundTask(id: id, task: task) {
            // Spawned after this stop cancelled the tasks: it must not outlive the stop either.
            task.cancel()
        }
        if registry.record(id: id)?.state.isTerminal == true {
            // The task finished before it was recorded as owned: forget it again.
            lifecycle.removeBackgroundTask(id: id)
        }
        return task
    }

    /// Cancels every background task of this service and waits for them to end, including tasks spawned
    /// while it waits. Each task stays in ``ownedTasks`` until it has ended, so a shutdown-timeout report
    /// written meanwhile names the ones that ignore cancellation.
    func cancelBackgroundTasks() async {
        while true {
            let tasks = lifecycle.backgroundTasks
            if tasks.isEmpty { return }
            for entry in tasks { entry.task.cancel() }
            for entry in tasks {
                await entry.task.value
                // Normally the task removed itself; this covers one that ended before it was recorded.
                lifecycle.removeBackgroundTask(id: entry.id)
            }
        }
    }

    /// The registry records of this service's live background tasks and futures.
    public var ownedTasks: [TaskRecord] {
        let registry = lifecycle.tree.tasks
        return lifecycle.backgroundTaskIDs.compactMap { registry.record(id: $0) }
    }

    /// Registers an async cleanup, run when the service stops, after its tasks are cancelled, in reverse
    /// order of registration (mode's `add_async_context` / exit stacks).
    ///
    /// ```swift
    /// let connection = try await Database.connect()
    /// addCleanup("database") { try await connection.close() }
    /// ```
    ///
    /// A cleanup that throws is logged; the others still run.
    public func addCleanup(_ name: String = "cleanup", _ body: @escaping @Sendable () async throws -> Void) {
        lifecycle.addCleanup(name: name, body)
    }

    func runCleanups() async {
        for cleanup in lifecycle.takeCleanups().reversed() {
            do {
                try await cleanup.body()
            } catch {
                logger.error("Error in cleanup '\(cleanup.name)': \(String(reflecting: error))")
            }
        }
    }
}
