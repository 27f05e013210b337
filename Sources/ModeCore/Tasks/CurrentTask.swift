import Synchronization

/// The running task and its cancellation, read straight from the concurrency runtime.
///
/// `withUnsafeCurrentTask` and `Task.isCancelled` retain and release the task around every read; the lifecycle
/// reads them for every service it starts and stops (the task that owns a start, `shouldStop` after each
/// step), where those two atomic pairs cost more than the read. The runtime's `swift_task_getCurrent` and
/// `swift_task_isCancelled` are what both public functions call (the standard library's inlinable code emits
/// calls to them into every client binary, so they are stable ABI); calling them directly reads the same
/// values without touching the task's reference count.
///
/// They are runtime entry points all the same (present in every runtime since Swift 5.5), so they are used
/// only once they have proven themselves: the first read made inside a task compares them with the public
/// functions, and a disagreement switches every later read to the public functions for the rest of the
/// process.
///
/// ```swift
/// let owner = CurrentTask.address          // nil outside a task
/// if CurrentTask.isCancelled { return }
/// ```
enum CurrentTask {
    /// 0: not checked yet, 1: the runtime entry points agree with the public API, 2: they do not (or are
    /// missing).
    private static let verdict = Atomic<Int>(0)

    /// The entry points (``TaskRuntime``'s, looked up with `dlsym`: the compiler reserves their names for its own
    /// use). Written once, before the verdict is stored with release ordering; read only after an acquiring load
    /// saw 1.
    nonisolated(unsafe) private static var getCurrent: (@convention(c) () -> UnsafeRawPointer?)?
    nonisolated(unsafe) private static var taskIsCancelled: (@convention(c) (UnsafeRawPointer) -> Bool)?
    private static let lookup = Mutex(())

    /// The runtime address of the current task (the `AsyncTask` object), or `nil` outside a task.
    static var address: UInt? {
        switch verdict.load(ordering: .acquiring) {
        case 1: return getCurrent.unsafelyUnwrapped().map { UInt(bitPattern: $0) }
        case 2: return publicAddress
        default: return check().address
        }
    }

    /// Whether the current task is cancelled (`false` outside a task), as `Task.isCancelled`.
    static var isCancelled: Bool {
        switch verdict.load(ordering: .acquiring) {
        case 1:
            guard let task = getCurrent.unsafelyUnwrapped() else { return false }
            return taskIsCancelled.unsafelyUnwrapped(task)
        case 2: return Task.isCancelled
        default: return check().isCancelled
        }
    }

    /// Whether `task` is cancelled, where `task` is the current task's ``address`` read earlier in the same
    /// task (a start reads it once and passes it down to its children's starts, which run in the same task):
    /// one runtime call, without looking the task up again.
    static func isCancelled(_ task: UInt?) -> Bool {
        guard let task else { return false }
        guard verdict.load(ordering: .acquiring) == 1, let pointer = UnsafeRawPointer(bitPattern: task) else {
            return isCancelled
        }
        return taskIsCancelled.unsafelyUnwrapped(pointer)
    }

    /// Whether the runtime entry points are in use (after a check inside a task agreed); for tests.
    static var usesRuntimeEntryPoints: Bool { verdict.load(ordering: .acquiring) == 1 }

    private static var publicAddress: UInt? {
        withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } }
    }

    /// Reads both ways and decides once a task is running (outside a task there is nothing to compare, so the
    /// public answer is returned and the check waits for a read inside one). Returns the public answers.
    private static func check() -> (address: UInt?, isCancelled: Bool) {
        let address = publicAddress
        let cancelled = Task.isCancelled
        guard let address else { return (nil, false) }
        lookup.withLock { _ in
            guard verdict.load(ordering: .acquiring) == 0 else { return }
            guard let getCurrent = TaskRuntime.currentTaskEntry, let taskIsCancelled = TaskRuntime.isCancelledEntry
            else { return verdict.store(2, ordering: .releasing) }
            let runtime = getCurrent()
            // Strict: a cancel landing between the two reads makes them differ, and the process keeps the
            // public functions (slower, never wrong).
            let agrees = runtime.map { UInt(bitPattern: $0) } == address && runtime.map(taskIsCancelled) == cancelled
            if agrees {
                Self.getCurrent = getCurrent
                Self.taskIsCancelled = taskIsCancelled
            }
            verdict.store(agrees ? 1 : 2, ordering: .releasing)
        }
        return (address, cancelled)
    }
}
