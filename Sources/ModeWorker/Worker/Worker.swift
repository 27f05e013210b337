import Logging
import ModeConsole
import ModeCore
import ModeDiagnostics
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// Runs a service tree as a production process: mode's `Worker`, with diagnostics.
///
/// The Worker is the root of the tree (`[^Worker]`). It bootstraps logging (mode's format, or JSON lines; not
/// when the application set up its own log handler, see ``WorkerLogging``),
/// handles SIGINT/SIGTERM (graceful stop; a second signal forces exit), SIGHUP (reopens the log file) and
/// SIGUSR1 (a thread dump in the log), runs the services on an instrumented executor watched by the stall
/// watchdog (`--blocking-timeout`), serves the debug console (`telnet 127.0.0.1 50101`), writes crash
/// reports into the log, and exits with a conventional status.
///
/// ```swift
/// import ArgumentParser
/// import Mode
///
/// @main struct PageViews: AsyncParsableCommand {
///     @OptionGroup var worker: WorkerOptions    // --loglevel, --blocking-timeout, --console-port, ...
///     func run() async throws {
///         try await Worker(App(), options: worker).run()
///     }
/// }
/// ```
///
/// Exit status: 0 after a clean stop; 1 after a crash, a start failure or a shutdown timeout (the log says
/// "We experienced a crash!" with the reason first); 64 for bad options; 128 + N when a second signal N
/// forced the exit.
public final class Worker: Service {
    public let lifecycle: ServiceLifecycleState
    /// The services the Worker runs, as its children, in start order.
    public let services: [any Service]
    /// The settings the Worker runs with.
    public let options: ResolvedWorkerOptions
    /// Whether and how the Worker sets up swift-log.
    public let loggingSetup: WorkerLogging
    /// Whether the Worker runs until stopped (`true`, the default) or stops as soon as the tree has started
    /// (mode's `daemon=False`, for CLI-style programs). See ``onStarted()``.
    public let daemon: Bool
    let workerShutdownHooks = Mutex<[@Sendable (WorkerExit) async -> Void]>([])
    let runtime: Mutex<WorkerRuntime?> = Mutex(nil)
    /// What wakes the run loop: a stop request (signal or program) or the tree stopping/crashing by itself.
    enum Event: Sendable {
        case stopRequested(UnixSignal?)
        case treeStopped
    }

    let events: AsyncStream<Event>
    let eventSink: AsyncStream<Event>.Continuation
    let watchedExecutors = Mutex<[(name: String, submit: HeartbeatMonitor.Submit)]>([])

    /// Creates a Worker over `services` with resolved settings.
    ///
    /// ```swift
    /// let worker = Worker(App(), options: ResolvedWorkerOptions(logLevel: .debug))
    /// let once = Worker(Migration(), daemon: false)     // start, stop, exit 0
    /// ```
    ///
    /// - Parameters:
    ///   - services: The services the Worker starts, in order.
    ///   - options: The settings (defaults: mode's).
    ///   - daemon: `false` stops the tree as soon as it has started (mode's `daemon=False`).
    ///   - logging: Whether the Worker bootstraps swift-log (``WorkerLogging``; by default only when the
    ///     application has not set up a log handler of its own).
    public convenience init(
        _ services: any Service..., options: ResolvedWorkerOptions = ResolvedWorkerOptions(), daemon: Bool = true,
        logging: WorkerLogging = WorkerLogging()
    ) {
        self.init(services: services, resolved: options, daemon: daemon, logging: logging)
    }

    /// Creates a Worker over `services` from command-line options (flags, `MODE_*` variables, defaults).
    ///
    /// - Parameter daemon: `false` stops the tree as soon as it has started (mode's `daemon=False`).
    /// - Throws: A `ValidationError` naming the bad flag or variable; from an `AsyncParsableCommand`'s
    ///   `run()` it is printed as one line and the process exits with status 64.
    public convenience init(
        _ services: any Service..., options: WorkerOptions, daemon: Bool = true, logging: WorkerLogging = WorkerLogging()
    ) throws {
        let resolved = try options.resolved()
        self.init(services: services, resolved: resolved, daemon: daemon, logging: logging)
    }

    init(
        services: [any Service], resolved: ResolvedWorkerOptions, daemon: Bool = true,
        logging: WorkerLogging = WorkerLogging()
    ) {
        self.services = services
        self.options = resolved
        self.daemon = daemon
        self.loggingSetup = logging
        self.lifecycle = ServiceLifecycleState(label: "Worker")
        (events, eventSink) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    }

    public var dependencies: [any Service] { services }

    /// Runs the tree and exits the process with the run's status (for `@main`). Never returns.
    ///
    /// ```swift
    /// await Worker(App()).run()
    /// ```
    public func run() async -> Never {
        let result = await runUntilStopped()
        exit(result.status)
    }

    /// Runs the tree until it is stopped (by a signal or ``requestStop()``) or crashes, stops it, and
    /// returns how the run ended, without exiting the process (for embedding and tests).
    ///
    /// ```swift
    /// let result = await worker.runUntilStopped()
    /// ```
    ///
    /// - Important: The first run in a process bootstraps swift-log; a process runs at most one Worker.
    public func runUntilStopped() async -> WorkerExit {
        await runUntilStopped(handlingSignals: true)
    }

    /// ``runUntilStopped()``; `handlingSignals` false when a `ServiceGroup` owns the signals (``WorkerService``).
    func runUntilStopped(handlingSignals: Bool) async -> WorkerExit {
        let runtime: WorkerRuntime
        do {
            runtime = try await WorkerRuntime.setUp(worker: self)
        } catch {
            Self.writeStandardError("Error: cannot start the worker: \(error)\n")
            return WorkerExit(status: 1, reason: "setup failed: \(error)")
        }
        self.runtime.withLock { $0 = runtime }
        if handlingSignals { await runtime.startSignals(for: self) }
        defer {
            runtime.tearDown()
            self.runtime.withLock { $0 = nil }
        }
        let exit = await runTree(runtime)
        await runWorkerShutdownHooks(exit)
        return exit
    }

    /// Asks a running Worker to stop gracefully, as SIGTERM does. Safe to call from any thread.
    ///
    /// ```swift
    /// worker.requestStop()
    /// ```
    public func requestStop() {
        deliverStopRequest(nil)
    }

    func deliverStopRequest(_ signal: UnixSignal?) {
        eventSink.yield(.stopRequested(signal))
    }

    static func writeStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }
}
