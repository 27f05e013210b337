import Dispatch
import Logging
import ModeThreads
import Synchronization

/// A thread (`mode-watchdog`) that flags jobs holding a thread past a timeout, captures the stalled thread's
/// native stack once, and logs one WARNING report naming the task and service that own the job.
///
/// It watches every thread that runs jobs through an instrumented path (``InstrumentedTaskExecutor``,
/// ``GlobalPoolInstrumentation``) and every executor registered with a ``HeartbeatMonitor``. The Worker sets it
/// up from `--blocking-timeout`; other programs use it directly:
///
/// ```swift
/// let executor = InstrumentedTaskExecutor()
/// let watchdog = StallWatchdog(configuration: .init(timeout: .milliseconds(500)),
///                              logger: Logger(label: "app.watchdog")) { report in
///     health.markDegraded(reason: report.headline)
/// }
/// try watchdog.start()
/// defer { watchdog.stop() }
/// try await Task(executorPreference: executor) { try await app.run() }.value
/// ```
///
/// A report reads (`Diagnostics/Runbooks/reading-a-stall-report.md` explains each line):
///
/// ```text
/// Blocking detected: thread mode-exec-1 (tid 4242) busy for 512 ms (timeout 500 ms)
///   service: app/cache
///   task: poll (id 7)
///   created at: App/Cache.swift:42
///   …
///     #2  0x000055d1c3a01f4c blockingWork() at /src/App/Cache.swift:88:5 [App+0x1f4c]
/// ```
///
/// When the job finishes, one line follows: `Blocking ended: thread mode-exec-1 (tid 4242) was busy for 2.01 s`.
/// The stalled code is interrupted once per report by the capture signal (a sleeping syscall may return `EINTR`),
/// never otherwise.
public final class StallWatchdog: Sendable {
    /// The configuration given at creation.
    public let configuration: Configuration

    let heartbeats: HeartbeatMonitor?
    let logger: Logger
    let onStall: (@Sendable (StallReport) -> Void)?
    let onStallEnded: (@Sendable (StallEnd) -> Void)?
    /// Symbolicates the reports and logs them, on its own thread (``Symbolicator/shared`` unless given).
    let symbolicator: Symbolicator
    let clock = ContinuousClock()
    let state: Mutex<State>
    let wakeup = DispatchSemaphore(value: 0)
    /// Held while a report record is logged, so a core part is always logged before its symbolicated part.
    let reportOrder = Mutex<Void>(())

    struct LoggedStall: Sendable {
        var reportID: UInt64
        var threadName: String
        var task: TaskAttribution?
    }

    struct State: Sendable {
        var thread: OwnedThread?
        var stopping = false
        var detector: StallDetector<ContinuousClock>
        var recent: [StallReport] = []
        var logged: [StallDetector<ContinuousClock>.StallID: LoggedStall] = [:]
        var nextReportID: UInt64 = 0
        var reportCount = 0
        var suppressedCount = 0
        var captureCount = 0
        var pending: [UInt64: PendingReport] = [:]
    }

    /// Creates a stopped watchdog.
    ///
    /// - Parameters:
    ///   - configuration: timeout, repeat threshold, rate limiting, … (see ``Configuration``).
    ///   - heartbeats: executors watched by heartbeat (NIO event loops, the MainActor), if any.
    ///   - logger: where reports go (one WARNING per report, one INFO line per end).
    ///   - onStall: called with each logged report (e.g. to mark the process unhealthy), on the
    ///     symbolication thread (`mode-symbols`), which builds and logs reports while the watchdog polls on.
    ///   - onStallEnded: called on the symbolication thread when a reported stall finishes, after its report
    ///     (count and duration metrics).
    ///   - symbolicator: the symbolicator whose thread builds and logs the reports. Default:
    ///     ``Symbolicator/shared``, whose caches the console and thread dumps share.
    public init(configuration: Configuration = Configuration(), heartbeats: HeartbeatMonitor? = nil,
                logger: Logger = Logger(label: "mode.watchdog"),
                onStall: (@Sendable (StallReport) -> Void)? = nil,
                onStallEnded: (@Sendable (StallEnd) -> Void)? = nil, symbolicator: Symbolicator = .shared) {
        self.configuration = configuration
        self.heartbeats = heartbeats
        self.logger = logger
        self.onStall = onStall
        self.onStallEnded = onStallEnded
        self.symbolicator = symbolicator
        let detector = StallDetector<ContinuousClock>(
            timeout: configuration.timeout, repeatAfter: configuration.effectiveRepeatAfter,
            pollInterval: configuration.effectivePollInterval, rateLimitWindow: configuration.rateLimitWindow)
        self.state = Mutex(State(detector: detector))
    }

    /// Starts the `mode-watchdog` thread (idempotent). Installs the stack-capture signal handler first, and
    /// starts the first symbolication (image map, debug info of the executable) on the symbolication thread
    /// without waiting for it, so that neither start-up nor the first report pays for it. Does nothing when the
    /// timeout is zero.
    ///
    /// ```swift
    /// try watchdog.start()
    /// ```
    ///
    /// - Throws: the error of ``StackCapture/install()`` (no SIGPROF handler could be installed).
    public func start() throws {
        guard configuration.timeout > .zero else { return }
        try StackCapture.install()
        TaskObjectReader.startSelfCheck()
        CurrentTaskReader.startSelfCheck()
        if !isRunning { symbolicator.warmUp() }
        try state.withLock { state throws(OwnedThread.StartError) in
            guard state.thread == nil else { return }
            state.stopping = false
            state.thread = try OwnedThread.start(name: "mode-watchdog") { [self] in self.run() }
        }
    }

    /// Stops and joins the watchdog thread (idempotent). Reports already captured are still logged, by the
    /// symbolication thread.
    ///
    /// ```swift
    /// watchdog.stop()
    /// ```
    public func stop() {
        let thread: OwnedThread? = state.withLock { state in
            state.stopping = true
            defer { state.thread = nil }
            return state.thread
        }
        guard let thread else { return }
        wakeup.signal()
        // Called on the watchdog thread itself: it exits after this poll; joining would deadlock.
        if thread.isCurrent {
            thread.detach()
            return
        }
        thread.join()
    }

    /// Whether the watchdog thread runs.
    public var isRunning: Bool { state.withLock { $0.thread != nil } }

    /// The last ``Configuration/maxReportsKept`` reports, oldest first.
    ///
    /// ```swift
    /// for report in watchdog.recentReports { print(report.headline) }
    /// ```
    public var recentReports: [StallReport] { state.withLock { $0.recent } }

    /// Number of reports logged since creation (first reports and repeats).
    public var reportCount: Int { state.withLock { $0.reportCount } }

    /// Number of stalls not logged because of rate limiting.
    public var suppressedCount: Int { state.withLock { $0.suppressedCount } }

    /// Number of stalls the watchdog thread has captured (reports and repeats handed to the symbolication
    /// thread, logged or not yet).
    package var captureCount: Int { state.withLock { $0.captureCount } }
}
