import Logging

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
    /// - Throws: ``ServiceError/Code/alreadyStarted`` when called twice without a restart.
    public func start() async throws {
        guard lifecycle.beginStart() else {
            throw ServiceError(code: .alreadyStarted, message: "\(path) is already started")
        }
        do {
            try await actuallyStart()
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
        if lifecycle.isStarted { return false }
        do {
            try await start()
            return true
        } catch let error as ServiceError where error.code == .alreadyStarted {
            return false
        }
    }

    private func actuallyStart() async throws {
        if lifecycle.restartCount == 0 {
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
        _ = lifecycle.beginStop()
        for child in children.reversed() where child.lifecycle.isStarted {
            await child.stop()
        }
        await cancelBackgroundTasks()
        await runCleanups()
        lifecycle.markStopCompleted()
        lifecycle.markCrashed(reason: (error as? ServiceError)?.underlying ?? error, origin: origin)
    }

    /// Stops the service (idempotent): `onStop`, children in reverse order, the optional wait for
    /// ``setShutdown()``, cancellation of background tasks, cleanups (LIFO), `onShutdown`.
    ///
    /// ```swift
    /// await app.stop()
    /// assert(app.state == .shutdown)
    /// ```
    ///
    /// `stop()` never throws: an error thrown by a hook or a cleanup is logged and the stop goes on, so one
    /// failing service never keeps its siblings running. A second call returns at once.
    public func stop() async {
        guard lifecycle.beginStop() else { return }
        let logger = self.logger
        logger.log(level: mundaneLevel, "Stopping...")
        do {
            try await onStop()
        } catch {
            logger.error("Error in onStop: \(String(reflecting: error))")
        }
        for child in children.reversed() {
            await child.stop()
        }
        logger.debug("Shutting down...")
        if waitForShutdown {
            await awaitShutdownSignal(logger: logger)
        }
        await cancelBackgroundTasks()
        await runCleanups()
        do {
            try await onShutdown()
        } catch {
            logger.error("Error in onShutdown: \(String(reflecting: error))")
        }
        lifecycle.markStopCompleted()
        ServiceLifecycleEvents.emit(.stopped(path: path))
        logger.log(level: mundaneLevel, "-Stopped!")
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
    public func restart() async throws {
        await stop()
        for node in subtree() {
            node.lifecycle.reset()
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
    /// and its supervisor is told (``ServiceSupervising``). A crash never cancels anything by itself.
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
            node.lifecycle.markCrashed(reason: reason, origin: origin)
        }
    }
}
