extension ServiceThreadExecutor {
    /// A service thread starting or stopping, for a watchdog (the Worker's stall watchdog registers a
    /// heartbeat for each thread, so a blocking call stuck on it is reported).
    public enum Event: Sendable {
        /// A thread started. `submit` runs its argument on the thread (a heartbeat).
        case started(name: String, threadID: Int32?, submit: @Sendable (@escaping @Sendable () -> Void) -> Void)
        /// The thread named `name` is about to be joined.
        case stopping(name: String, threadID: Int32?)
    }

    private static let observer = LockedFunction<@Sendable (Event) -> Void>()

    /// Installs (or removes) the process-wide observer of service threads. One observer at a time.
    ///
    /// ```swift
    /// ServiceThreadExecutor.setObserver { event in
    ///     switch event {
    ///     case .started(let name, _, let submit): ids[name] = monitor.register(name: name, submit: submit)
    ///     case .stopping(let name, _): ids.removeValue(forKey: name).map(monitor.unregister)
    ///     }
    /// }
    /// ```
    public static func setObserver(_ newObserver: (@Sendable (Event) -> Void)?) {
        observer.store(newObserver)
    }

    static func emit(_ event: @autoclosure () -> Event) {
        guard let current = observer.load() else { return }
        current(event())
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
