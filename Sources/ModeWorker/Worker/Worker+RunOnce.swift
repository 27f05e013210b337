import Logging
import ModeCore
import Synchronization

extension Worker {
    /// A non-daemon Worker (`Worker(..., daemon: false)`, mode's `daemon=False`) asks to stop as soon as the
    /// tree has started: the services do their work in their start hooks, the tree stops (tasks cancelled,
    /// cleanups run, in mode's order) and ``run()`` exits with status 0 — a CLI-style program with the
    /// Worker's logging, signals and crash reports. A daemon Worker does nothing here. Called by
    /// ``Service/start()``.
    ///
    /// ```swift
    /// @main struct Migrate {
    ///     static func main() async { await Worker(MigrationService(), daemon: false).run() }
    /// }
    /// ```
    public func onStarted() async throws {
        guard !daemon else { return }
        logger.debug("Not a daemon: stopping now that the tree has started")
        deliverStopRequest(nil)
    }

    /// Registers `hook` to run once the run is over: after the tree has stopped (or the shutdown timeout gave
    /// up on it, or the start failed), before ``run()`` exits or ``runUntilStopped()`` returns; it receives
    /// the exit that is about to happen (mode's `on_worker_shutdown`). Hooks run in registration order,
    /// with logging still set up.
    ///
    /// ```swift
    /// let worker = Worker(App(), options: options)
    /// worker.onWorkerShutdown { exit in
    ///     await metrics.flush()
    ///     print("worker finished: \(exit)")
    /// }
    /// await worker.run()
    /// ```
    public func onWorkerShutdown(_ hook: @escaping @Sendable (WorkerExit) async -> Void) {
        workerShutdownHooks.withLock { $0.append(hook) }
    }

    /// Runs the registered shutdown hooks in order.
    func runWorkerShutdownHooks(_ exit: WorkerExit) async {
        let hooks = workerShutdownHooks.withLock { $0 }
        for hook in hooks { await hook(exit) }
    }
}
