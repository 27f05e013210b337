import Logging
import ModeConsole
import Prometheus
import ModeCore
import ModeDiagnostics
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Everything a running Worker owns besides its services: logging, crash reporting, the executor and the
/// stall watchdog, the debug console, signal handling and systemd notifications.
final class WorkerRuntime: Sendable {
    let logging: ModeLogging?
    /// The executor service tasks prefer (``ExecutorInstrumentation/executor`` mode); `nil`: the global pool.
    let executor: InstrumentedTaskExecutor?
    /// The instrumentation in effect (after the hooks' self-check and any fallback).
    let instrumentation: ExecutorInstrumentation
    let heartbeats: HeartbeatMonitor
    let watchdog: StallWatchdog?
    let console: DebugConsole?
    /// `/healthz`, `/readyz`, `/metrics` (`--http-port`); set once, right after the runtime is made.
    let http = Mutex<HTTPEndpoint?>(nil)
    /// Delivers SIGINT/SIGTERM/SIGHUP to the Worker once ``startSignals(for:)`` ran; `nil` when a
    /// `ServiceGroup` owns the signals.
    let signals = Mutex<WorkerSignals?>(nil)
    let policy = Mutex(ShutdownSignalPolicy())
    let systemd: SystemdNotifier
    let systemdWatchdog: Mutex<Task<Void, Never>?> = Mutex(nil)
    let metrics: WorkerMetrics
    /// What the runtime observes of the Worker's tree (cancelled at tear-down).
    let observations: [Observation]
    let startedAt = ContinuousClock.now
    let blockingTimeout: Duration
    private let tornDown = Mutex(false)

    private init(
        logging: ModeLogging?, executor: InstrumentedTaskExecutor?, instrumentation: ExecutorInstrumentation,
        heartbeats: HeartbeatMonitor,
        watchdog: StallWatchdog?, console: DebugConsole?, systemd: SystemdNotifier,
        metrics: WorkerMetrics, observations: [Observation], blockingTimeout: Duration
    ) {
        self.logging = logging
        self.executor = executor
        self.instrumentation = instrumentation
        self.heartbeats = heartbeats
        self.watchdog = watchdog
        self.console = console
        self.systemd = systemd
        self.metrics = metrics
        self.observations = observations
        self.blockingTimeout = blockingTimeout
    }

    /// The stall threshold used when `--blocking-timeout` is not given (mode's 10 s).
    static let defaultBlockingTimeout: Duration = .seconds(10)

    static func setUp(worker: Worker) async throws -> WorkerRuntime {
        let options = worker.options
        let logging = try bootstrapLogging(options, setup: worker.loggingSetup)
        var logger = Logger(label: "mode")
        if logging == nil {
            // The application's handler: --loglevel applies to the Worker's loggers (its services inherit it).
            logger.logLevel = options.logLevel
            if options.logFile != nil || options.logFormat != .text {
                logger.warning("--logfile and --log-format are not applied: the application's log handler is used")
            }
        }
        worker.lifecycle.setLogger(logger)

        installCrashReporter(worker: worker, options: options, logging: logging, logger: logger)

        let tree = worker.lifecycle.tree
        var observations = [attributeTasks(tree.tasks)]
        let registry = options.httpPort == nil ? nil : PrometheusCollectorRegistry()
        let metrics = WorkerMetrics.make(tasks: tree.tasks, registry: registry, bootstrap: options.bootstrapsMetrics)
        observations.append(tree.observeLifecycle(metrics.observe))

        let heartbeats = HeartbeatMonitor()
        let timeout = options.blockingTimeout ?? defaultBlockingTimeout
        let instrumentation =
            timeout > .zero ? await instrumentExecutors(options.executorInstrumentation, logger: logger) : .off
        if instrumentation != .off { await accountTaskRuns(logger: logger) }
        var executor: InstrumentedTaskExecutor?
        if instrumentation == .executor {
            let created = InstrumentedTaskExecutor()
            worker.lifecycle.setTaskExecutor(created)
            executor = created
        }
        var watchdog: StallWatchdog?
        if timeout > .zero {
            _ = heartbeats.register(name: "main-actor", currentThread: { MainQueueOwner.threadID }) { beat in
                Task { @MainActor in
                    MainQueueOwner.observeFromMainQueue()
                    beat()
                }
            }
            for watched in worker.watchedExecutors.withLock({ $0 }) {
                _ = heartbeats.register(name: watched.name, submit: watched.submit)
            }
            observations.append(watchServiceThreads(of: tree, heartbeats))
            var configuration = StallWatchdog.Configuration()
            configuration.timeout = timeout
            let registry = tree.tasks
            configuration.attributeTask = { query in RegistryAttribution.attribute(query, registry: registry) }
            let candidate = StallWatchdog(
                configuration: configuration, heartbeats: heartbeats, logger: Logger(label: "mode.watchdog"),
                onStall: { report in metrics.stallReported(report) },
                onStallEnded: { end in metrics.stallEnded(end) }
            )
            do {
                try candidate.start()
                watchdog = candidate
                tree.attributesHooks = true
            } catch {
                logger.warning("Blocking detection is off: the stall watchdog could not start: \(error)")
            }
        }

        try installThreadDumps(worker: worker, logger: logger)

        let console = startConsole(worker: worker, options: options, logger: logger)

        let runtime = WorkerRuntime(
            logging: logging, executor: executor, instrumentation: instrumentation, heartbeats: heartbeats, watchdog: watchdog, console: console,
            systemd: SystemdNotifier(), metrics: metrics, observations: observations,
            blockingTimeout: watchdog == nil ? .zero : timeout
        )
        runtime.startHTTP(worker: worker, registry: registry)
        return runtime
    }

    /// How long the global-pool hooks' self-check may take before the Worker falls back.
    static let selfCheckTimeout: Duration = .seconds(2)

    /// Installs what `requested` asks for and returns the mode in effect: the hooks only after
    /// ``GlobalPoolInstrumentation/probe()`` proved them on this runtime, else one warning and
    /// ``ExecutorInstrumentation/executor``.
    static func instrumentExecutors(_ requested: ExecutorInstrumentation, logger: Logger) async -> ExecutorInstrumentation {
        guard requested == .hooks else { return requested }
        let failure: String
        if GlobalPoolInstrumentation.install() {
            switch await Race.outcome(of: Task.detached { await GlobalPoolInstrumentation.probe() }, timeout: selfCheckTimeout) {
            case .finished(nil): return .hooks
            case .finished(let reason?): failure = reason
            case .timedOut: failure = "the self-check's probe job did not finish within \(selfCheckTimeout)"
            }
            GlobalPoolInstrumentation.uninstall()
        } else {
            failure = "this toolchain or platform has no supported enqueue hooks"
        }
        logger.warning(
            "Global-pool instrumentation is off (\(failure)): service tasks run on the Worker's executor; Task {} and detached jobs are not timed"
        )
        return .executor
    }

    /// Counts per-task figures per task run (tasks inside actors' jobs and on service threads too) once
    /// ``TaskRunAccounting/probe()`` proved it here; else one notice, and figures count executor jobs only.
    ///
    /// A probe still running after ``selfCheckTimeout`` (a pool too busy to run it) is left to decide in the
    /// background rather than undone: the redirected calls run the runtime's own first, so only the figures
    /// depend on the proof, and the start does not wait for it.
    static func accountTaskRuns(logger: Logger) async {
        if let installFailure = TaskRunAccounting.failureOfInstall() {
            logRunAccountingOff(installFailure, logger: logger)
            return
        }
        let probe = Task.detached { await TaskRunAccounting.probe() }
        switch await Race.outcome(of: probe, timeout: selfCheckTimeout) {
        case .finished(nil):
            return
        case .finished(let reason?):
            TaskRunAccounting.uninstall()
            logRunAccountingOff(reason, logger: logger)
        case .timedOut:
            Task.detached {
                guard let reason = await probe.value else { return }
                TaskRunAccounting.uninstall()
                logRunAccountingOff(reason, logger: logger)
            }
        }
    }

    private static func logRunAccountingOff(_ reason: String, logger: Logger) {
        logger.notice(
            "Per-task figures count executor jobs only (\(reason)): tasks that run inside an actor's jobs or on a service thread are not measured"
        )
    }

    /// Services on a dedicated thread (`ServiceThread`) are watched by heartbeat while their thread runs.
    private static func watchServiceThreads(of tree: ServiceTree, _ heartbeats: HeartbeatMonitor) -> Observation {
        let ids = Mutex<[String: HeartbeatMonitor.ID]>([:])
        return tree.observeServiceThreads { event in
            switch event {
            case .started(let name, _, let submit, let currentJob):
                let id = heartbeats.register(name: name, currentThread: nil, currentJob: currentJob, submit: submit)
                ids.withLock { $0[name] = id }
            case .stopping(let name, _):
                if let id = ids.withLock({ $0.removeValue(forKey: name) }) { heartbeats.unregister(id) }
            }
        }
    }

    /// Bootstraps mode's handler when ``WorkerLogging`` says so; `nil` when the Worker logs through the
    /// application's handler (or through the handler a first Worker in this process bootstrapped).
    private static func bootstrapLogging(_ options: ResolvedWorkerOptions, setup: WorkerLogging) throws -> ModeLogging? {
        guard setup.shouldBootstrap() else { return nil }
        do {
            let logging = try ModeLogging.bootstrap(options, metadataProvider: setup.metadataProvider)
            logging.sink.writeGate = { write in
                // The crash handler waits for writes in flight, then owns the fd. While a crash report is
                // being written, park rather than interleave with it: the process is about to die with the
                // original signal.
                while !CrashReporter.withLogGate(write) { usleep(100_000) }
            }
            return logging
        } catch let error as ModeLoggingError where error.code == .alreadyBootstrapped {
            // A second Worker in one process keeps the first one's logging; its own loggers carry its level.
            return nil
        }
    }

    private static func installCrashReporter(
        worker: Worker, options: ResolvedWorkerOptions, logging: ModeLogging?, logger: Logger
    ) {
        var configuration = CrashReporter.Configuration()
        if let sink = logging?.sink, sink.path != nil {
            configuration.outputFileDescriptors = [sink.fileDescriptor]
        }
        configuration.format = options.logFormat == .json ? .json : .text
        let recent = logging?.recentLines
        configuration.sections = { [weak worker] _ in
            var sections: [DiagnosticSection] = []
            if let worker { sections.append(WorkerSections.serviceTree(worker)) }
            if let recent {
                sections.append(DiagnosticSection(title: "last log lines", lines: recent.snapshot().suffix(50)))
            }
            return sections
        }
        do {
            try CrashReporter.install(configuration)
        } catch {
            logger.warning("Crash reports are off: the crash handlers could not be installed: \(error)")
        }
    }

    private static func installThreadDumps(worker: Worker, logger: Logger) throws {
        do {
            // (The async-stack self-check starts with the console, or at the first dump: never for nothing.)
            try ThreadDumpTrigger.install(
                sections: { [weak worker] in
                    guard let worker else { return [] }
                    return [WorkerSections.serviceTree(worker)]
                },
                tasks: { [weak worker] in
                    guard let worker else { return [] }
                    return WorkerConsoleCommands.taskStacks(worker.lifecycle.tree.tasks)
                }
            ) { dump in
                logger.warning("Thread dump (SIGUSR1):\n\(dump.render())")
            }
        } catch {
            logger.warning("Thread dumps on SIGUSR1 are off: \(error)")
        }
    }

    /// Keeps ``TaskAttributionTable`` (read by the crash handler) in step with the registry, and makes stack
    /// captures read the task id that child tasks and `Task {}` inherit.
    private static func attributeTasks(_ registry: TaskRegistry) -> Observation {
        let table = TaskAttributionTable.shared
        StackCapture.readScope(TaskRegistry.$currentTaskID)
        return registry.observe { event in
            switch event {
            case .started(let record):
                guard let address = record.runtimeAddress else { return }
                table.register(taskAddress: address, RegistryAttribution.attribution(of: record))
            case .ended(let record):
                guard let address = record.runtimeAddress else { return }
                // A scope (a hook run inside a task) ends: the task it ran in owns the address again.
                if let outer = registry.liveTask(runtimeAddress: address) {
                    table.register(taskAddress: address, RegistryAttribution.attribution(of: outer))
                } else {
                    table.unregister(taskAddress: address)
                }
            }
        }
    }

    private static func startConsole(
        worker: Worker, options: ResolvedWorkerOptions, logger: Logger
    ) -> DebugConsole? {
        guard options.consoleEnabled else { return nil }
        var configuration = DebugConsole.Configuration()
        configuration.host = options.consoleHost
        configuration.port = options.consolePort
        configuration.authToken = ProcessEnvironment.current()["MODE_CONSOLE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let registry = ConsoleCommandRegistry()
        // `where` reads suspended tasks' async stacks once this start-up check has proven the runtime's layout.
        TaskObjectReader.startAsyncStackSelfCheck()
        WorkerConsoleCommands.register(in: registry, worker: worker)
        let console = DebugConsole(configuration: configuration, registry: registry, logger: Logger(label: "mode.console"))
        do {
            let address = try console.start()
            worker.logger.info("Debug console listening on \(address) (telnet \(options.consoleHost) \(console.port ?? options.consolePort))")
            return console
        } catch {
            worker.logger.warning("Debug console is off: \(error)")  // "cannot listen on HOST:PORT: <reason>"
            return nil
        }
    }

    /// Starts handling SIGINT/SIGTERM/SIGHUP for `worker`. Called once the Worker holds this runtime, so a signal
    /// that arrives right at start-up is never dropped for want of a runtime to act on it.
    func startSignals(for worker: Worker) async {
        let started = await WorkerSignals.start { [weak worker] signal in worker?.handle(signal: signal) }
        signals.withLock { $0 = started }
    }

    /// The level the console's `loglevel` shows: the bootstrapped handlers' when this Worker bootstrapped
    /// them, else its tree's logger's.
    func logLevel(of worker: Worker) -> Logger.Level {
        logging?.levelControl.level ?? worker.logger.logLevel
    }

    /// Changes every logger of the Worker: through the handlers' shared control when this Worker
    /// bootstrapped them, else by giving its tree a logger at the new level (services inherit it).
    func setLogLevel(_ level: Logger.Level, of worker: Worker) {
        if let control = logging?.levelControl {
            control.level = level
            return
        }
        var logger = worker.logger
        logger.logLevel = level
        worker.lifecycle.setLogger(logger)
    }

    /// Stops what the runtime started. With `graceful` false (a shutdown timed out and a stuck job may hold
    /// an executor thread), the executor threads are not joined: the process exits right after.
    func tearDown(graceful: Bool = true) {
        guard tornDown.withLock({ done in defer { done = true }; return !done }) else { return }
        systemdWatchdog.withLock { $0?.cancel() }
        signals.withLock { $0 }?.stop()
        try? console?.shutdown()
        http.withLock { $0 }?.shutdown()
        watchdog?.stop()
        for observation in observations { observation.cancel() }
        StackCapture.readScope(nil)
        if graceful { executor?.shutdown() }
    }
}
