import Logging
import ModeCore
import ModeDiagnostics
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

extension Worker {
    /// Starts the tree, waits for a stop request or a crash, stops the tree within the shutdown timeout.
    func runTree(_ runtime: WorkerRuntime) async -> WorkerExit {
        let logger = self.logger
        do {
            try await Task(executorPreference: runtime.executor) { try await self.start() }.value
        } catch {
            let reason = (error as? ServiceError)?.underlying ?? error
            let origin = (error as? ServiceError)?.servicePath ?? path
            logger.critical("We experienced a crash! \(origin) failed to start: \(String(reflecting: reason))")
            runtime.metrics.workerExited(status: 1)
            return WorkerExit(status: 1, reason: "start failed: \(reason)")
        }
        runtime.notifySystemdReady(logger: logger)

        let watcher = Task {
            await self.waitUntilStopped()
            self.eventSink.yield(.treeStopped)
        }
        var iterator = events.makeAsyncIterator()
        let event = await iterator.next() ?? .treeStopped
        watcher.cancel()
        runtime.policy.withLock { $0.stopRequested() }
        _ = try? runtime.systemd.stopping()

        var status: Int32 = 0
        var reason = "stopped"
        if state == .crashed {
            let origin = crashOrigin ?? path
            let why = crashReason.map { String(reflecting: $0) } ?? "unknown"
            logger.critical("We experienced a crash! \(origin) crashed first: \(why)")
            status = 1
            reason = "crash in \(origin)"
        } else if case .stopRequested(let signal?) = event {
            logger.info("Stopping on signal received... (\(signal.description))")
        } else {
            logger.info("Stopping on request...")
        }

        let finished = await stopWithinTimeout(runtime)
        runtime.policy.withLock { _ = $0.stopFinished() }
        if !finished {
            runtime.tearDown(graceful: false)
            runtime.metrics.workerExited(status: 1)
            return WorkerExit(status: 1, reason: "shutdown timed out after \(options.shutdownTimeout)")
        }
        runtime.metrics.workerExited(status: status)
        return WorkerExit(status: status, reason: reason)
    }

    /// Stops the tree; when the shutdown timeout expires first, names every service that has not finished
    /// stopping and the tasks it still owns, cancels those tasks, and returns false.
    func stopWithinTimeout(_ runtime: WorkerRuntime) async -> Bool {
        let stopping = Task(executorPreference: runtime.executor) {
            await self.stop()
            await self.lifecycle.waitForStopCompleted()
        }
        let timeout = options.shutdownTimeout
        let finished = await Race.finished(stopping, within: timeout)
        if finished { return true }

        let stragglers = subtree().filter { $0.state == .stopping || $0.state == .running }
        var lines = ["Shutdown timed out after \(timeout) (--shutdown-timeout); still stopping:"]
        for service in stragglers {
            // A stop stuck on its tasks still lists them: they leave ownedTasks only once they have ended.
            let tasks = service.ownedTasks
            let described = tasks.map { "#\($0.id) \($0.name) [\($0.kind)] at \($0.creationSite)" }
            let activity = service.lifecycle.stopStep.map { " " + $0.activity } ?? ""
            lines.append(
                "  \(service.path) (\(service.state))\(activity)"
                    + (described.isEmpty ? "" : ": " + described.joined(separator: ", "))
            )
        }
        logger.error("\(lines.joined(separator: "\n"))")
        var cancelled = 0
        let tasks = lifecycle.tree.tasks
        for record in tasks.liveTasks() {
            if let owner = record.servicePath, owner == path || owner.hasPrefix(path + "/") {
                tasks.cancel(id: record.id)
                cancelled += 1
            }
        }
        logger.error("Cancelled \(cancelled) task(s); exiting with status 1")
        return false
    }

    /// Carries out the signal policy's decision for one signal (called on the signal monitor's queue).
    func handle(signal: UnixSignal) {
        guard let runtime = runtime.withLock({ $0 }) else { return }
        let action = runtime.policy.withLock { $0.signalReceived(signal) }
        switch action {
        case .beginGracefulStop(let signal):
            if signal == .sigint && !options.quiet {
                Self.writeStandardError(ShutdownSignalPolicy.interruptBanner + "\n")
            }
            logger.info("Signal received: \(signal.description)")
            deliverStopRequest(signal)
        case .forceExit(let code, let signal):
            logger.critical("Signal received during shutdown: \(signal.description); forcing exit with status \(code)")
            _exit(code)
        case .reopenLogs:
            do {
                try runtime.logging?.sink.reopen()
                logger.info("Reopened the log file (SIGHUP)")
            } catch {
                logger.error("Cannot reopen the log file on SIGHUP: \(error)")
            }
        case .dumpThreads:
            ThreadDumpTrigger.fire()
        case .ignore:
            break
        }
    }
}
