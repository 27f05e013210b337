import Logging

// The drivers of the lifecycle machine: each public operation feeds it an event, then performs the action
// it returns (run the hooks, wait, or do nothing). The ordering and concurrency decisions live in
// `LifecycleMachine`; the article "Service lifecycle" describes them.
extension Service {
    /// Starts the service: first-start work, `onStart`, background tasks, children (in insertion order),
    /// then `onStarted`.
    ///
    /// ```swift
    /// let app = App()
    /// try await app.start()
    /// defer { Task { await app.stop() } }
    /// ```
    ///
    /// If a hook or a child fails, what was already started is taken down again (started children are
    /// stopped in reverse order, tasks are cancelled, cleanups run), the service is marked crashed with the
    /// error (without crashing its tree: the caller decides), and `start()` throws a ``ServiceError`` with
    /// code ``ServiceError/Code/startFailed`` whose `underlying` is the original error.
    ///
    /// A stop or a crash while the start runs makes it return early (without error) at its next step;
    /// a concurrent ``stop()`` waits for that before it stops the service.
    ///
    /// - Throws: ``ServiceError/Code/alreadyStarted`` when called twice (or after a stop) without a restart.
    public func start() async throws {
        let task = TaskRegistry.currentTaskAddress()
        guard case .run(let firstStart) = lifecycle.transition({ $0.start(task: task) }) else {
            throw ServiceError(code: .alreadyStarted, message: "\(path) is already started")
        }
        do {
            try await actuallyStart(firstStart: firstStart)
            let deferredStop = lifecycle.transition { machine -> Bool in
                machine.startFinished()
                return machine.stopDeferredToStart
            }
            if deferredStop {
                // A hook of this start (or of a descendant's) asked for the stop: it runs now.
                _ = await stopReportingError()
            }
        } catch {
            let failed = (error as? ServiceError).flatMap { $0.code == .startFailed ? $0 : nil }
                ?? ServiceError(
                    code: .startFailed, message: "\(path) failed to start: \(error)", underlying: error, servicePath: path)
            await abortStart(error, origin: failed.servicePath ?? path)
            throw failed
        }
    }

    /// Starts the service unless it has already started. Returns whether it started it.
    ///
    /// ```swift
    /// if try await child.maybeStart() { logger.info("child started") }
    /// ```
    @discardableResult
    public func maybeStart() async throws -> Bool {
        if lifecycle.machine.phase != .initial { return false }
        do {
            try await start()
            return true
        } catch let error as ServiceError where error.code == .alreadyStarted {
            return false
        }
    }

    private func actuallyStart(firstStart: Bool) async throws {
        if firstStart {
            for dependency in dependencies {
                try addDependency(dependency)
            }
            try await onFirstStart()
            if shouldStop { return }
        }
        logger.log(level: mundaneLevel, "Starting...")
        try await onStart()
        if shouldStop { return }
        for task in tasks {
            startBackgroundTask(task)
        }
        for child in children {
            try await child.maybeStart()
            if shouldStop { break }
        }
        logger.debug("Started.")
        lifecycle.markRunning()
        ServiceLifecycleEvents.emit(.started(path: path))
        try await onStarted()
    }

    private func abortStart(_ error: any Error, origin: String) async {
        logger.error("Failed to start: \(error)")
        lifecycle.transition { $0.startFailed() }
        await stopChildren(logger: logger) { $0.lifecycle.machine.phase != .initial }
        lifecycle.transition { $0.advance(to: .tasks) }
        await cancelBackgroundTasks()
        lifecycle.transition { $0.advance(to: .cleanups) }
        await runCleanups()
        lifecycle.finishStop()
        lifecycle.transition { $0.crashed(reason: (error as? ServiceError)?.underlying ?? error, origin: origin) }
    }

    /// Stops the service: `onStop`, children in reverse order, the optional wait for ``setShutdown()``,
    /// cancellation of background tasks, cleanups (LIFO), `onShutdown`.
    ///
    /// ```swift
    /// await app.stop()
    /// assert(app.state == .shutdown)
    /// ```
    ///
    /// `stop()` never throws: an error thrown by a hook or a cleanup is logged and the stop goes on, so one
    /// failing service never keeps its siblings running. Every caller returns only once the stop has
    /// finished: a second call waits for the first, a call during ``start()`` waits for the start to
    /// return and then stops, and a call after the stop returns at once. The exception is a call from
    /// inside the start itself (a start hook of this service or of a descendant): it returns at once,
    /// and the start returns early and runs the stop before it returns.
    public func stop() async {
        _ = await stopReportingError()
    }

    /// Stops the service; returns the first error one of its own hooks threw (for the parent's
    /// `Error while stopping child` line), or `nil` when another caller ran the stop.
    private func stopReportingError() async -> (any Error)? {
        let task = TaskRegistry.currentTaskAddress()
        while true {
            switch lifecycle.transition({ $0.requestStop(task: task) }) {
            case .run:
                return await runStopSequence()
            case .waitForStart(let cycle):
                await lifecycle.wait(for: .startSettled(cycle: cycle), cancellable: false)
            case .waitForCompletion(let cycle):
                await lifecycle.wait(for: .stopCompleted(cycle: cycle), cancellable: false)
                return nil
            case .alreadyStopped, .deferredToStart:
                return nil
            }
        }
    }

    private func runStopSequence() async -> (any Error)? {
        let logger = self.logger
        var firstError: (any Error)?
        logger.log(level: mundaneLevel, "Stopping...")
        do {
            try await onStop()
        } catch {
            logger.error("Error in onStop: \(String(reflecting: error))")
            firstError = error
        }
        lifecycle.transition { $0.advance(to: .children) }
        await stopChildren(logger: logger) { _ in true }
        logger.debug("Shutting down...")
        if waitForShutdown {
            lifecycle.transition { $0.advance(to: .shutdownSignal) }
            await awaitShutdownSignal(logger: logger)
        }
        lifecycle.transition { $0.advance(to: .tasks) }
        await cancelBackgroundTasks()
        lifecycle.transition { $0.advance(to: .cleanups) }
        await runCleanups()
        lifecycle.transition { $0.advance(to: .onShutdown) }
        do {
            try await onShutdown()
        } catch {
            logger.error("Error in onShutdown: \(String(reflecting: error))")
            firstError = firstError ?? error
        }
        lifecycle.finishStop()
        ServiceLifecycleEvents.emit(.stopped(path: path))
        logger.log(level: mundaneLevel, "-Stopped!")
        return firstError
    }

    /// Stops the children in reverse order (mode's `_stop_children`): each stop is awaited to the end, even
    /// one already in flight; a child whose stop failed is logged as mode does and the others still stop.
    private func stopChildren(logger: Logger, where include: (any Service) -> Bool) async {
        for child in children.reversed() where include(child) {
            if let error = await child.stopReportingError() {
                logger.error("Error while stopping child \(child.path): \(String(reflecting: error))")
            }
        }
    }

    private func awaitShutdownSignal(logger: Logger) async {
        logger.debug("Waiting for shutdown")
        let clock = lifecycle.clock
        let timeout = shutdownTimeout
        let signalled = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.lifecycle.waitForShutdownSignal()
                return true
            }
            group.addTask {
                do { try await clock.sleep(for: timeout) } catch { return true }
                return false
            }
            let first = await group.next() ?? true
            group.cancelAll()
            return first
        }
        if signalled {
            logger.debug("Shutting down now")
        } else {
            let error = ServiceError(
                code: .shutdownTimeout,
                message: "\(path) waited \(timeout) for setShutdown() (waitForShutdown is set) and gave up; "
                    + "stopping its tasks anyway"
            )
            logger.error("\(error)")
        }
    }

    /// Signals that the service has finished its shutdown work (mode's `set_shutdown()`): a ``stop()``
    /// waiting because ``waitForShutdown`` is set goes on.
    ///
    /// ```swift
    /// func onStop() async throws { Task { await flush(); self.setShutdown() } }
    /// ```
    public func setShutdown() {
        lifecycle.signalShutdown()
    }

    /// Restarts the service: ``stop()``, reset of the whole subtree (each node's ``restartCount`` grows by
    /// one and its flags clear), ``onRestart()``, ``start()``.
    ///
    /// ```swift
    /// try await flakyConsumer.restart()
    /// ```
    ///
    /// A restart during a stop in flight waits for that stop, then starts the service. Of several
    /// concurrent restarts, the first to reset the service starts it; the others return after the stop
    /// without starting it again. When an ancestor is stopping (or has stopped) by then, the restart
    /// returns after the stop and the service stays stopped: a supervisor's restart never outlives a
    /// Worker's shutdown.
    public func restart() async throws {
        let cycle = lifecycle.restartCount
        await stop()
        let ancestorStopping = ancestry.dropFirst().contains { $0.lifecycle.machine.stopRequested }
        let action = lifecycle.transition { $0.reset(cycle: cycle, ancestorStopping: ancestorStopping) }
        guard action == .reset else { return }
        for node in subtree().dropFirst() {
            // A descendant restarted on its own since is running again: it keeps its cycle (`.busy`).
            node.lifecycle.transition { _ = $0.reset(cycle: nil) }
        }
        ServiceLifecycleEvents.emit(.restarted(path: path))
        try await onRestart()
        try await start()
    }

    /// Crashes the service with `reason` (mode's `crash`): logs the reason, then marks the service crashed.
    ///
    /// Without a supervisor on the path to the root, every node of the tree is marked crashed, so
    /// ``shouldStop`` becomes true everywhere, waits return, and a Worker stops the process with exit
    /// code 1. When this service or an ancestor has a supervisor, only that supervised subtree is marked
    /// and its supervisor is told (``ServiceSupervising``). A crash never cancels anything by itself: a
    /// start in flight returns early at its next step, a stop in flight runs to its end.
    ///
    /// ```swift
    /// do { try await consume() } catch { crash(error) }
    /// ```
    public func crash(_ reason: any Error) {
        logger.error("Crashed reason=\(String(reflecting: reason))")
        if lifecycle.serviceState == .crashed { return }
        let origin = path
        ServiceLifecycleEvents.emit(.crashed(path: origin, reason: String(reflecting: reason)))
        for node in ancestry {
            if let supervisor = node.lifecycle.supervisor {
                Self.markSubtreeCrashed(node, reason: reason, origin: origin)
                supervisor.supervisedServiceCrashed(node, reason: reason)
                return
            }
        }
        Self.markSubtreeCrashed(root, reason: reason, origin: origin)
    }

    static func markSubtreeCrashed(_ top: any Service, reason: any Error, origin: String) {
        for node in top.subtree() {
            node.lifecycle.transition { $0.crashed(reason: reason, origin: origin) }
        }
    }
}
