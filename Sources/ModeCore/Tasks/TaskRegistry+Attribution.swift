extension TaskRegistry {
    /// The record of the task that ran at `address` at monotonic instant `instant` (live, or ended since).
    ///
    /// Addresses are reused once a task is freed, so the match is by lifetime: the task was created by
    /// `instant` and had not ended before it. When several records share the address at that instant (a
    /// scope opened with ``withScope(_:kind:servicePath:fileID:line:operation:)`` inside a task), the innermost
    /// (latest created) wins. Finished tasks are found while they are in the history (``historyLimit``).
    ///
    /// ```swift
    /// let owner = registry.record(runtimeAddress: job, runningAt: TaskRegistry.monotonicNanoseconds())
    /// ```
    public func record(runtimeAddress address: UInt, runningAt instant: UInt64) -> TaskRecord? {
        let candidates = (liveTasks() + finishedTasks()).filter { record in
            record.runtimeAddress == address && record.createdMonotonicNanoseconds <= instant
                && (record.endedMonotonicNanoseconds.map { $0 >= instant } ?? true)
        }
        return candidates.max { $0.createdMonotonicNanoseconds < $1.createdMonotonicNanoseconds }
    }

    /// Runs `operation` in the calling task as a named part of a service's work (a lifecycle hook such as
    /// `onStart`), so a stall inside it, and inside any child task or `Task {}` it creates, is attributed
    /// to that service and name.
    ///
    /// The scope is a registry record of its own (kind ``TaskKind/lifecycle`` by default) bound to the calling
    /// task's runtime address and to ``currentTaskID`` while `operation` runs; it ends with it.
    ///
    /// ```swift
    /// try await lifecycle.tree.tasks.withScope("onStart", servicePath: path) { try await onStart() }
    /// ```
    public func withScope<T>(
        _ name: String, kind: TaskKind = .lifecycle, servicePath: String?, fileID: String = #fileID,
        line: Int = #line, isolation: isolated (any Actor)? = #isolation,
        operation: () async throws -> T
    ) async rethrows -> T {
        try await withScope(
            name, kind: kind, servicePath: servicePath, creationSite: "\(fileID):\(line)", isolation: isolation,
            operation: operation)
    }

    /// ``withScope(_:kind:servicePath:fileID:line:isolation:operation:)`` with the creation site given as text
    /// (a lifecycle hook names its service type and hook).
    package func withScope<T>(
        _ name: String, kind: TaskKind = .lifecycle, servicePath: String?, creationSite: String,
        trace: TraceIdentity? = nil, isolation: isolated (any Actor)? = #isolation, operation: () async throws -> T
    ) async rethrows -> T {
        let id = register(name: name, kind: kind, servicePath: servicePath, creationSite: creationSite, trace: trace)
        markStarted(id: id, runtimeAddress: Self.currentTaskAddress())
        do {
            let result = try await TaskRegistry.$currentTaskID.withValue(id, operation: operation, isolation: isolation)
            markEnded(id: id, outcome: .finished)
            return result
        } catch {
            markEnded(id: id, outcome: (error is CancellationError || Task.isCancelled) ? .cancelled : .failed(error))
            throw error
        }
    }
}
