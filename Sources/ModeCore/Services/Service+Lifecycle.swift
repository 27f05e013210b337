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
        guard try await startIfInitial(parentLogger: nil, task: CurrentTask.address) else {
            throw ServiceError(code: .alreadyStarted, message: "\(path) is already started")
        }
    }

    /// Starts the service unless it has already started. Returns whether it started it.
    ///
    /// ```swift
    /// if try await child.maybeStart() { logger.info("child started") }
    /// ```
    @discardableResult
    public func maybeStart() async throws -> Bool {
        try await startIfInitial(parentLogger: nil, task: CurrentTask.address)
    }

    /// The start: returns false when the machine rejects it (already started in this cycle). Parents start
    /// their children through it directly (one async frame per child, no thrown `alreadyStarted`), passing
    /// the logger they hold for the child's first level check
    /// (``ServiceLifecycleState/startLinesCheck(_:inheriting:checkingStop:cancelled:)``) and the address of
    /// the task the whole start runs in (``CurrentTask/address``, read once by the first `start()`).
    private func startIfInitial(parentLogger: Logger?, task: UInt?) async throws -> Bool {
        // `lifecycle` is a protocol requirement: read once (each read through the witness is a retain/release).
        let lifecycle = self.lifecycle
        guard case .run(let firstStart) = lifecycle.transition({ $0.start(task: task) }) else { return false }
        do {
            try await actuallyStart(firstStart: firstStart, parentLogger: parentLogger, task: task, lifecycle: lifecycle)
            let deferredStop = lifecycle.transition { machine -> Bool in
                machine.startFinished()
                return machine.stopDeferredToStart
            }
            if deferredStop {
                // A hook of this start (or of a descendant's) asked for the stop: it runs now.
                _ = await stopReportingError()
            }
            return true
        } catch {
            let failed = (error as? ServiceError).flatMap { $0.code == .startFailed ? $0 : nil }
                ?? ServiceError(
                    code: .startFailed, message: "\(path) failed to start: \(error)", underlying: error, servicePath: path)
            await abortStart(error, origin: failed.servicePath ?? path)
            throw failed
        }
    }

    @inline(__always)
    private func actuallyStart(
        firstStart: Bool, parentLogger: Logger?, task: UInt?, lifecycle: ServiceLifecycleState
    ) async throws {
        if firstStart {
            for dependency in dependencies {
                try addDependency(dependency)
            }
            if ServiceTree.anyAttributesHooks { try await runHookInScope("onFirstStart") { try await onFirstStart() } } else { try await onFirstStart() }
        }
        // The lifecycle's own lines: the logger is built (once) only when one of them would be logged. After a
        // first start's `onFirstStart`, the same lock says whether the start ends there (`shouldStop`).
        let lineLevel = max(mundaneLevel, .debug)
        let check = lifecycle.startLinesCheck(
            lineLevel, inheriting: parentLogger, checkingStop: firstStart,
            cancelled: firstStart && CurrentTask.isCancelled(task))
        if check.stop { return }
        let lineLogger = logger(judged: check.passes, level: lineLevel)
        lineLogger?.log(level: mundaneLevel, "Starting...")
        if ServiceTree.anyAttributesHooks { try await runHookInScope("onStart") { try await onStart() } } else { try await onStart() }
        // `shouldStop`, the children and the logger they inherit: one lock here and one after each child.
        guard let (children, childStates, firstChildLogger) = lifecycle.startChildrenStep(
            cancelled: CurrentTask.isCancelled(task))
        else { return }
        for task in tasks {
            startBackgroundTask(task)
        }
        var childLogger = firstChildLogger
        for (index, child) in children.enumerated() {
            ServiceLifecycleState.prefetch(children, childStates, at: index + 1)
            _ = try await child.startIfInitial(parentLogger: childLogger, task: task)
            let step = lifecycle.childStarted(cancelled: CurrentTask.isCancelled(task), more: index + 1 < children.count)
            if step.stop { break }
            childLogger = step.heldLogger
        }
        lineLogger?.debug("Started.")
        lifecycle.markRunning()
        ServiceTree.emitLifecycle(of: lifecycle, .started(path: path))
        if ServiceTree.anyAttributesHooks { try await runHookInScope("onStarted") { try await onStarted() } } else { try await onStarted() }
    }

    private func abortStart(_ error: any Error, origin: String) async {
        logger.error("Failed to start: \(error)")
        lifecycle.transition { $0.startFailed() }
        for child in children.reversed() where child.lifecycle.phase != .initial {
            if let error = await child.stopReportingError() {
                logger.error("Error while stopping child \(child.path): \(String(reflecting: error))")
            }
        }
        lifecycle.advanceStop(to: .tasks)
        await cancelBackgroundTasks()
        lifecycle.advanceStop(to: .cleanups)
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
    ///
    /// One async frame per service: parents call it on their children directly, and the stop sequence is
    /// written out here (each extra async call costs a task-allocator frame and an executor check).
    private func stopReportingError() async -> (any Error)? {
        let lifecycle = self.lifecycle
        let lineLevel = max(mundaneLevel, .debug)
        var request: ServiceLifecycleState.StopRequest
        requesting: while true {
            // The request and the level check of the stop's lines: one lock.
            request = lifecycle.requestStop(judging: lineLevel)
            switch request.action {
            case .run:
                break requesting
            case .waitForStart(let cycle):
                await lifecycle.wait(for: .startSettled(cycle: cycle), cancellable: false)
            case .waitForCompletion(let cycle):
                await lifecycle.wait(for: .stopCompleted(cycle: cycle), cancellable: false)
                return nil
            case .alreadyStopped, .deferredToStart:
                return nil
            }
        }
        var firstError: (any Error)?
        let lineLogger = logger(judged: request.loggerPasses, level: lineLevel)
        lineLogger?.log(level: mundaneLevel, "Stopping...")
        do {
            if ServiceTree.anyAttributesHooks { try await runHookInScope("onStop") { try await onStop() } } else { try await onStop() }
        } catch {
            logger.error("Error in onStop: \(String(reflecting: error))")
            firstError = error
        }
        // A service without children reads `waitForShutdown` here, where it would read it after its (no)
        // children; when it does not wait, its children step and tasks step are one lock.
        let waitsEarly: Bool? = request.childless ? waitForShutdown : nil
        let (children, childStates, tasksPending) = lifecycle.advanceStopToChildren(
            goOnToTasksIfChildless: waitsEarly == false)
        // mode's `_stop_children`: reverse order, each stop awaited to the end (even one already in flight);
        // a child whose stop failed is logged and the others still stop.
        for index in children.indices.reversed() {
            let child = children[index]
            ServiceLifecycleState.prefetch(children, childStates, at: index - 1)
            if let error = await child.stopReportingError() {
                logger.error("Error while stopping child \(child.path): \(String(reflecting: error))")
            }
        }
        lineLogger?.debug("Shutting down...")
        if tasksPending == nil, waitsEarly ?? waitForShutdown {
            lifecycle.advanceStop(to: .shutdownSignal)
            await awaitShutdownSignal(logger: logger)
        }
        if tasksPending ?? lifecycle.advanceStopToTasks() {
            await cancelBackgroundTasks()
            lifecycle.advanceStop(to: .cleanups)
            await runCleanups()
            lifecycle.advanceStop(to: .onShutdown)
        }
        do {
            if ServiceTree.anyAttributesHooks { try await runHookInScope("onShutdown") { try await onShutdown() } } else { try await onShutdown() }
        } catch {
            logger.error("Error in onShutdown: \(String(reflecting: error))")
            firstError = firstError ?? error
        }
        lifecycle.finishStop()
        ServiceTree.emitLifecycle(of: lifecycle, .stopped(path: path))
        lineLogger?.log(level: mundaneLevel, "-Stopped!")
        return firstError
    }

    private func awaitShutdownSignal(logger: Logger) async {
        logger.debug("Waiting for shutdown")
        let clock = lifecycle.clock
        let timeout = shutdownTimeout
        let lifecycle = self.lifecycle
        let signalled = await Race.first(
            {
                await lifecycle.waitForShutdownSignal()
                return true
            },
            {
                do { try await clock.sleep(for: timeout) } catch { return true }
                return false
            })
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
        _ = await stopReportingError()
        let ancestorStopping = isAncestorStopping
        let action = lifecycle.transition { $0.reset(cycle: cycle, ancestorStopping: ancestorStopping) }
        guard action == .reset else { return }
        // A descendant restarted on its own since is running again: it keeps its cycle (`.busy`).
        Self.resetDescendants(of: self)
        ServiceTree.emitLifecycle(of: lifecycle, .restarted(path: path))
        if ServiceTree.anyAttributesHooks { try await runHookInScope("onRestart") { try await onRestart() } } else { try await onRestart() }
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
        // The service's logger only when ERROR passes: a supervised crash loop below it builds none.
        logger(ifEnabled: .error)?.error("Crashed reason=\(String(reflecting: reason))")
        if lifecycle.serviceState == .crashed { return }
        let origin = path
        ServiceTree.emitLifecycle(of: lifecycle, .crashed(path: origin, reason: String(reflecting: reason)))
        for node in ancestry {
            if let supervisor = node.lifecycle.supervisor {
                Self.markSubtreeCrashed(node, reason: reason, origin: origin)
                supervisor.supervisedServiceCrashed(node, reason: reason)
                return
            }
        }
        Self.markSubtreeCrashed(root, reason: reason, origin: origin)
    }

    /// Whether a stop was requested on a proper ancestor (walks the parents without building ``ancestry``).
    private var isAncestorStopping: Bool {
        var node = lifecycle.parent
        var depth = 1
        while let current = node, depth < Self.maximumDepth {
            let (stopRequested, parent) = current.lifecycle.stopRequestedAndParent
            if stopRequested { return true }
            node = parent
            depth += 1
        }
        return false
    }

    /// Resets every descendant for the next cycle (iteratively: a chain can be ``maximumDepth`` deep).
    private static func resetDescendants(of node: any Service) {
        var pending = node.lifecycle.children
        while let next = pending.popLast() {
            next.lifecycle.transition { _ = $0.reset(cycle: nil) }
            pending.append(contentsOf: next.lifecycle.children)
        }
    }

    static func markSubtreeCrashed(_ top: any Service, reason: any Error, origin: String) {
        for node in top.subtree() {
            node.lifecycle.transition { $0.crashed(reason: reason, origin: origin) }
        }
    }
}

extension Service {
    /// Runs one lifecycle hook inside a registry scope named after it when the tree attributes its hooks
    /// (``ServiceTree/attributesHooks``), so a stall in the hook names the service and the hook. Call sites
    /// check ``ServiceTree/anyAttributesHooks`` first and call the hook directly when no tree does: no extra
    /// async frame on the common path.
    func runHookInScope(_ name: String, _ hook: () async throws -> Void) async throws {
        let tree = lifecycle.tree
        guard tree.attributesHooks else { return try await hook() }
        try await tree.tasks.withScope(
            name, kind: .lifecycle, servicePath: path, creationSite: "\(type(of: self)).\(name)", operation: hook)
    }
}
