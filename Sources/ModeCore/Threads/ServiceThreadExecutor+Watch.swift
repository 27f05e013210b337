extension ServiceThreadExecutor {
    /// A service thread starting or stopping, for a watchdog (the Worker's stall watchdog registers a
    /// heartbeat for each thread, so a blocking call stuck on it is reported). Observed per tree with
    /// ``ServiceTree/observeServiceThreads(_:)``.
    public enum Event: Sendable {
        /// A thread started. `submit` runs its argument on the thread (a heartbeat); `currentJob` gives the
        /// address of the job it runs now (for a task's job, the task), so a stall on it can name its task.
        case started(
            name: String, threadID: Int32?, submit: @Sendable (@escaping @Sendable () -> Void) -> Void,
            currentJob: @Sendable () -> UInt?)
        /// The thread named `name` is about to be joined.
        case stopping(name: String, threadID: Int32?)
    }

    static func currentJob(_ executor: DedicatedThreadExecutor) -> @Sendable () -> UInt? {
        { [weak executor] in executor?.runningJobAddress }
    }

    static func heartbeatSubmit(
        _ executor: DedicatedThreadExecutor
    ) -> @Sendable (@escaping @Sendable () -> Void) -> Void {
        { [weak executor] beat in
            guard let executor, !executor.isShuttingDown else { return }
            Task(executorPreference: executor) { beat() }
        }
    }
}
