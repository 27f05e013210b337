/// The tasks started from a dedicated thread (a ``ServiceThread``'s), so that stopping the thread can cancel
/// them and let them finish — tracked by the service API or not (mode's `_gather_remaining_tasks`).
///
/// A task counts as started here when the first job of it that the executor sees is enqueued from the
/// executor's own thread: a `Task {}` isolated to the hosted actor, a task preferring the thread's executor
/// created there, a driver library's loop started by a hook. Tasks first seen arriving from another thread
/// are visitors (callers of the actor, the lifecycle's hooks) and are never cancelled; their ids are
/// remembered (a bounded LRU) so that a visitor resumed later from the thread is not mistaken for one
/// started here.
///
/// Each tracked task is retained, which keeps its pointer valid for `swift_task_cancel`; a task only the
/// ledger still references has finished (a running task holds a reference to itself until it completes)
/// and is pruned. Not thread-safe: the executor's core keeps it under its lock.
struct StartedTaskLedger {
    struct Tracked {
        let reference: Unmanaged<AnyObject>
        /// Jobs of this task run on the thread so far.
        var jobsRun: UInt64 = 0
    }

    /// A tracked task as seen by the sweep: a retained reference (release it) and its job count.
    struct Snapshot {
        let key: UInt
        let reference: Unmanaged<AnyObject>
        let jobsRun: UInt64
    }

    private var tasks: [UInt: Tracked] = [:]
    private var visitors = LRUStorage<UInt64, Void>(limit: 4_096)
    private var pruneAt = 64

    /// Tasks currently tracked (finished ones may still be counted until the next prune).
    var count: Int { tasks.count }

    /// Looks at a job being enqueued. Returns finished tasks to release outside the executor's lock.
    mutating func observe(_ job: UnownedJob, onOwnThread: Bool) -> [AnyObject] {
        guard TaskRuntime.isUsable, TaskRuntime.isTask(job) else { return [] }
        let key = UInt(bitPattern: TaskRuntime.pointer(of: job))
        guard tasks[key] == nil else { return [] }
        let id = TaskRuntime.taskID(of: job)
        guard visitors.peek(id) == nil else { return [] }
        guard onOwnThread else {
            _ = visitors.store(id, ())
            return []
        }
        tasks[key] = Tracked(reference: Unmanaged<AnyObject>.fromOpaque(TaskRuntime.pointer(of: job)).retain())
        guard tasks.count >= pruneAt else { return [] }
        let finished = pruneFinished()
        pruneAt = max(64, tasks.count * 2)
        return finished
    }

    /// Counts a job of a tracked task that is about to run.
    mutating func jobWillRun(_ job: UnownedJob) {
        let key = UInt(bitPattern: TaskRuntime.pointer(of: job))
        tasks[key]?.jobsRun &+= 1
    }

    /// Every tracked task, retained.
    func snapshot() -> [Snapshot] {
        tasks.map { Snapshot(key: $0.key, reference: $0.value.reference.retain(), jobsRun: $0.value.jobsRun) }
    }

    /// Jobs run so far by the task `key`, or `nil` once it has finished (only the ledger references it)
    /// or is no longer tracked. Returns the finished task to release outside the lock.
    mutating func progress(of key: UInt) -> (jobsRun: UInt64?, finished: AnyObject?) {
        guard let tracked = tasks[key] else { return (nil, nil) }
        var object = tracked.reference.takeRetainedValue()
        if isKnownUniquelyReferenced(&object) {
            tasks[key] = nil
            return (nil, object)
        }
        _ = Unmanaged.passRetained(object)
        return (tracked.jobsRun, nil)
    }

    /// Forgets every task; returns the references to release outside the executor's lock.
    mutating func removeAll() -> [AnyObject] {
        defer { tasks = [:] }
        return tasks.values.map { $0.reference.takeRetainedValue() }
    }

    /// Drops the tasks nobody but the ledger references any more (they have completed).
    private mutating func pruneFinished() -> [AnyObject] {
        var finished: [AnyObject] = []
        for key in Array(tasks.keys) {
            if let done = progress(of: key).finished { finished.append(done) }
        }
        return finished
    }
}
