import CModeSupport

/// Counts ``TaskStatistics`` per task *run* (a task starting or resuming on a thread until it suspends) instead of
/// per executor job, so that every task is measured whichever executor runs it: a task isolated to an actor
/// (whose jobs the runtime drains inside the actor's own job), a task on a `ServiceThread`, on the MainActor or
/// on another library's executor.
///
/// The concurrency runtime brackets every task run with libswiftCore's exclusivity calls
/// `swift_task_enterThreadLocalContext` / `swift_task_exitThreadLocalContext`. ``install()`` redirects
/// libswift_Concurrency.so's two PLT slots for them to functions that call the original first and then note the
/// run (`c_mode_task_runs.c`); the program's behaviour is unchanged, and each run costs two coarse clock reads and a
/// lookup in the task table. This is not an official interface: ``probe()`` proves it on the running runtime
/// (a task's run is seen on the global pool and inside an actor's job) and the Worker uninstalls it and falls back
/// to per-job figures when it fails.
///
/// ```swift
/// if TaskRunAccounting.install(), let failure = await TaskRunAccounting.probe() {
///     TaskRunAccounting.uninstall()
///     logger.notice("per-task figures count executor jobs only: \(failure)")
/// }
/// ```
public enum TaskRunAccounting {
    /// Redirects the two slots (idempotent). Returns false when this platform or runtime has no such slots.
    ///
    /// ```swift
    /// guard TaskRunAccounting.install() else { return }
    /// ```
    @discardableResult
    public static func install() -> Bool {
        failureOfInstall() == nil
    }

    /// Redirects the two slots; `nil` on success, else why not.
    ///
    /// ```swift
    /// if let failure = TaskRunAccounting.failureOfInstall() { logger.notice("figures per job only: \(failure)") }
    /// ```
    public static func failureOfInstall() -> String? {
        switch c_mode_task_runs_install() {
        case 0: return nil
        case -1: return "libswift_Concurrency.so is not loaded here"
        case -2: return "libswift_Concurrency.so calls swift_task_enter/exitThreadLocalContext through no PLT slot"
        case -3: return "the runtime's swift_task_enter/exitThreadLocalContext cannot be resolved"
        default: return "the PLT slots cannot be written"
        }
    }

    /// Puts the original slots back (if they are still ours); figures are counted per executor job again.
    ///
    /// ```swift
    /// TaskRunAccounting.uninstall()
    /// ```
    public static func uninstall() {
        c_mode_task_runs_uninstall()
    }

    /// Whether runs are counted now.
    ///
    /// ```swift
    /// let perRun = TaskRunAccounting.isInstalled
    /// ```
    public static var isInstalled: Bool { c_mode_task_runs_installed() != 0 }

    /// The task whose run is open on the calling thread, as the redirected slots saw it.
    static var currentRunTask: UInt { UInt(c_mode_task_runs_current_task()) }

    /// Proves the redirection on this runtime: a detached task must be seen running when it starts and after a
    /// `Task.yield()`, and a task made inside an actor (run by the actor's own job, not one of its own) when it
    /// runs there.
    /// Returns `nil` when all hold, else the reason. Bound it with a deadline like
    /// ``GlobalPoolInstrumentation/probe()``.
    ///
    /// ```swift
    /// if let failure = await TaskRunAccounting.probe() { TaskRunAccounting.uninstall() }
    /// ```
    public static func probe() async -> String? {
        guard isInstalled else { return "the task-run slots are not redirected" }
        return await Task.detached { () -> String? in
            let own = UInt(c_mode_current_swift_task())
            guard currentRunTask == own else { return "a task's run on the global pool is not seen" }
            await Task.yield()
            guard currentRunTask == own else { return "a task's run after Task.yield is not seen" }
            guard await RunProbeActor().seenInActorsJob() else { return "a task's run inside an actor's job is not seen" }
            return nil
        }.value
    }
}

/// The actor of ``TaskRunAccounting/probe()``. A `Task {}` that uses `self` is isolated to the actor: it is
/// enqueued on the actor, which runs it inside its own job once the caller leaves (a caller that hops onto an idle
/// actor runs on in its own job instead, so a method call would not prove this).
private actor RunProbeActor {
    func seenInActorsJob() async -> Bool {
        await Task { self.isCurrentRunOwn() }.value
    }

    private func isCurrentRunOwn() -> Bool {
        let own = UInt(c_mode_current_swift_task())
        return own != 0 && TaskRunAccounting.currentRunTask == own
    }
}
