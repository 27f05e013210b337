/// How a Worker times the jobs of the code it runs, so that a job holding a thread past `--blocking-timeout` is
/// reported with that thread's stack (`--executor-instrumentation`, env `MODE_EXECUTOR_INSTRUMENTATION`).
///
/// | Mode | Service code runs on | Jobs timed | Cost (mode-compare executor suite) |
/// |---|---|---|---|
/// | ``hooks`` (default) | Swift's global concurrent pool | every global-pool job (services, `Task {}`, `Task.detached`, children) | actor hops 0.76–1.00×, spawns 1.05×, yields 1.10–1.19× the plain pool |
/// | ``executor`` | the Worker's `InstrumentedTaskExecutor` (a thread per CPU) | jobs of service tasks and their children | actor hops 0.17–0.25×, spawns 0.81–1.17× |
/// | ``off`` | Swift's global concurrent pool | none: heartbeats only (MainActor, watched NIO loops and executors, `ServiceThread`s) | none |
///
/// ``hooks`` uses the runtime's unofficial enqueue hooks: the Worker installs them only after a start-up
/// self-check proves that a global-pool job, before and after a suspension, runs through them on this runtime.
/// When the check fails the Worker logs one warning and falls back to ``executor``. With
/// `--blocking-timeout 0` nothing is instrumented whatever the mode.
///
/// ```swift
/// var options = ResolvedWorkerOptions()
/// options.executorInstrumentation = .executor   // no runtime hooks: only service tasks are timed
/// ```
public enum ExecutorInstrumentation: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Global-pool enqueue hooks, after a self-check (the default).
    case hooks
    /// The Worker's own task executor for service tasks; nothing global is touched.
    case executor
    /// No per-job timing: heartbeats only.
    case off

    /// Parses `hooks`, `executor` or `off` (case-insensitive, surrounding blanks ignored).
    ///
    /// ```swift
    /// ExecutorInstrumentation(name: "Executor")   // .executor
    /// ```
    public init?(name: String) {
        self.init(rawValue: name.trimmingASCIIWhitespace().lowercased())
    }

    /// The mode's name as the flag takes it.
    public var description: String { rawValue }
}
