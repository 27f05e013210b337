import ModeCore
import ModeDiagnostics

/// How the Worker names the owner of a stall from its ``TaskRegistry`` (the stall watchdog's
/// ``StallWatchdog/Configuration/attributeTask``).
///
/// ```swift
/// configuration.attributeTask = { query in RegistryAttribution.attribute(query, registry: .shared) }
/// ```
package enum RegistryAttribution {
    /// The attribution of a registry record; `createdTask` when the stalled code ran in a task created in it.
    package static func attribution(
        of record: TaskRecord, createdTask: RunningTask.Relation? = nil
    ) -> TaskAttribution {
        TaskAttribution(
            taskID: record.id, taskName: record.name, servicePath: record.servicePath,
            creationSite: record.creationSite, createdTask: createdTask, traceID: record.trace?.traceID,
            spanID: record.trace?.spanID)
    }

    /// Names the owner of stalled code: the registered task (or scope) running at the running task's address
    /// when it was seen running; else the task whose id the running task inherited (it is a child task or a
    /// `Task {}` created in it); without a running task, the task at the executor's job address when it was seen.
    /// The running task is read by the capture signal, or, for a thread blocked in the kernel (read without a
    /// signal), from the task object of the executor's job (``TaskObjectReader``), with the same relation
    /// suffixes.
    package static func attribute(_ query: TaskAttributionQuery, registry: TaskRegistry) -> TaskAttribution? {
        if let running = query.runningTask {
            if let own = registry.record(runtimeAddress: running.address, runningAt: query.taskSeenNanoseconds) {
                return attribution(of: own)
            }
            return running.scopeID.flatMap { registry.record(id: $0) }
                .map { attribution(of: $0, createdTask: running.relation) }
        }
        return query.jobAddress
            .flatMap { registry.record(runtimeAddress: $0, runningAt: query.jobSeenNanoseconds) }
            .map { attribution(of: $0) }
    }
}
