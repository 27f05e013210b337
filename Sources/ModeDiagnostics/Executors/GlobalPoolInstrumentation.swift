import CModeSupport

/// Times every job of Swift's global concurrent executor per thread, by wrapping the runtime's
/// `swift_task_enqueueGlobal_hook` (and its `WithDelay`/`WithDeadline` variants, which carry `Task.sleep`
/// resumptions).
///
/// The hook only sees a job being *enqueued*. To time its *run*, the hook enqueues the job itself on a
/// libdispatch concurrent queue built exactly like the runtime's on Linux (one per priority, width = logical CPUs)
/// with a trampoline that records the thread's activity slot around `swift_job_run`. An already installed hook
/// is chained (it keeps deciding where jobs go; the "original" it may call is the trampoline).
///
/// The hooks are unofficial runtime interfaces: like SwiftNIO, this is only compiled for toolchains before 6.4,
/// where their shape is known. MainActor jobs are not covered (Swift 6.3's main executor does not consult
/// `swift_task_enqueueMainExecutor_hook`): watch the MainActor with a ``HeartbeatMonitor``.
///
/// ```swift
/// if GlobalPoolInstrumentation.install() {
///     // Task {} jobs now show up in ThreadActivity.snapshot() and are watched by StallWatchdog.
/// }
/// ```
public enum GlobalPoolInstrumentation {
    /// Installs the hooks (idempotent). Returns false when this toolchain or platform is not supported.
    ///
    /// ```swift
    /// GlobalPoolInstrumentation.install()
    /// ```
    @discardableResult
    public static func install() -> Bool {
        #if compiler(<6.4) && os(Linux)
        return c_mode_enqueue_hooks_install() == 0
        #else
        return false
        #endif
    }

    /// Removes the hooks if they are still the installed ones (jobs already enqueued still run).
    ///
    /// ```swift
    /// GlobalPoolInstrumentation.uninstall()
    /// ```
    public static func uninstall() {
        #if compiler(<6.4) && os(Linux)
        c_mode_enqueue_hooks_uninstall()
        #endif
    }

    /// Whether the global-pool hook is installed.
    ///
    /// ```swift
    /// if !GlobalPoolInstrumentation.isInstalled { logger.notice("Task {} jobs are not watched") }
    /// ```
    public static var isInstalled: Bool { c_mode_enqueue_hooks_installed() != 0 }

    /// Proves on the running runtime that the installed hooks time global-pool jobs: a detached task must find
    /// its own job in its thread's activity slot when it starts and again after a `Task.sleep` (whose
    /// resumption goes through the delay/deadline hooks). Returns `nil` when both hold, else the reason.
    ///
    /// The probe never returns if the pool runs no job at all; callers bound it with a deadline (the Worker
    /// gives it 2 s and falls back when it is late).
    ///
    /// ```swift
    /// if GlobalPoolInstrumentation.install(), let failure = await GlobalPoolInstrumentation.probe() {
    ///     GlobalPoolInstrumentation.uninstall()
    ///     logger.warning("global-pool hooks do not work here: \(failure)")
    /// }
    /// ```
    public static func probe() async -> String? {
        guard isInstalled else { return "the enqueue hooks are not installed" }
        return await Task.detached { () -> String? in
            let own = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } }
            guard let own else { return "the probe is not running in a task" }
            guard ThreadActivity.currentJob == own else {
                return "a global-pool job does not run through the hooks (thread slot: "
                    + "\(ThreadActivity.currentJob.map { "0x" + String($0, radix: 16) } ?? "empty"))"
            }
            try? await Task.sleep(for: .milliseconds(1))
            guard ThreadActivity.currentJob == own else {
                return "a job resumed after Task.sleep does not run through the hooks"
            }
            return nil
        }.value
    }
}
