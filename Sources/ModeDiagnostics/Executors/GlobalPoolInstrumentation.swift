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
}
