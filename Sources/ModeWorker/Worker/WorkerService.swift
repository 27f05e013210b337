import ModeCore
import ServiceLifecycle

/// A Worker as one member of an application's swift-service-lifecycle `ServiceGroup`: the stall watchdog, the
/// debug console, crash reports, SIGUSR1 dumps and the Worker's own services, while the group owns the
/// signals (SIGINT, SIGTERM) and the graceful shutdown.
///
/// Add it to the group the application already runs, and wrap the members whose stalls you want named with
/// ``Worker/watching(_:as:fileID:line:)``:
///
/// ```swift
/// let worker = Worker(options: ResolvedWorkerOptions(blockingTimeout: .milliseconds(500)))
/// let group = ServiceGroup(
///     services: [WorkerService(worker), worker.watching(application, as: "Hummingbird")],
///     gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// `run()` sets up the Worker's diagnostics without touching the process's signal dispositions, starts its
/// services, and runs until the group's graceful shutdown (or cancellation), the Worker's services stopping or
/// crashing, or ``Worker/requestStop()``; then it stops them within `--shutdown-timeout` and tears the
/// diagnostics down. It throws ``WorkerExitError`` when the run did not end cleanly (a service crashed or failed
/// to start, or the stop timed out), so the group's failure handling applies. It never exits the process.
public struct WorkerService: ServiceLifecycle.Service {
    /// The Worker run by this member.
    public let worker: Worker

    /// Wraps `worker` (run it only this way, or only with ``Worker/run()``: a Worker runs once).
    ///
    /// ```swift
    /// let member = WorkerService(Worker(options: options))
    /// ```
    public init(_ worker: Worker) {
        self.worker = worker
    }

    public func run() async throws {
        let worker = self.worker
        let exit = await withTaskCancellationOrGracefulShutdownHandler {
            await worker.runUntilStopped(handlingSignals: false)
        } onCancelOrGracefulShutdown: {
            worker.requestStop()
        }
        if exit.status != 0 { throw WorkerExitError(exit: exit) }
    }
}

/// A Worker run in a `ServiceGroup` (``WorkerService``) did not end cleanly.
///
/// ```swift
/// do { try await group.run() } catch let error as WorkerExitError { print(error.exit.reason) }
/// ```
public struct WorkerExitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// How the run ended.
    public var exit: WorkerExit

    /// Creates the error for `exit`.
    public init(exit: WorkerExit) { self.exit = exit }

    public var description: String { "the Worker ended with \(exit)" }
}
