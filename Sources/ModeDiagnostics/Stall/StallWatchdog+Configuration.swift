extension StallWatchdog {
    /// How the watchdog judges and reports stalls. Every property has a documented default.
    ///
    /// ```swift
    /// var configuration = StallWatchdog.Configuration(timeout: .milliseconds(500))
    /// configuration.repeatAfter = .zero          // never repeat a report
    /// configuration.rateLimitWindow = .seconds(60)
    /// ```
    public struct Configuration: Sendable {
        /// A job holding its thread at least this long is a stall. Default 10 s (mode's `--blocking-timeout`
        /// default under `--debug`); `.zero` disables the watchdog (``StallWatchdog/start()`` does nothing).
        public var timeout: Duration
        /// A stall still running at this age (and each further multiple) is reported again with a fresh stack.
        /// Default `nil` = 4 × ``timeout``; `.zero` = never repeat.
        public var repeatAfter: Duration?
        /// The longest time between two polls. Default `nil` = ``timeout`` / 4. The watchdog also wakes exactly
        /// when a job it saw running reaches the timeout, so reports come close to `timeout` after the job
        /// started (at most `timeout + pollInterval` for jobs it could not see start).
        public var pollInterval: Duration?
        /// Reports kept in memory for ``StallWatchdog/recentReports`` (the console shows them). Default 32.
        public var maxReportsKept: Int
        /// Skip reports while a debugger is attached (`TracerPid` in `/proc/self/status`): breakpoints stop
        /// threads, which is not a stall. Default true.
        public var suppressWhileDebuggerAttached: Bool
        /// Stalls at the same site (first application frame) are logged at most once per window; the next report
        /// after the window says how many were dropped. Default 30 s; `.zero` disables rate limiting.
        public var rateLimitWindow: Duration
        /// How long the watchdog waits for the stalled thread to run the capture signal handler. Default 250 ms.
        public var captureTimeout: Duration
        /// Watch the per-thread activity slots (instrumented executors, enqueue hooks). Default true.
        public var watchesActivitySlots: Bool
        /// Which activity slots to watch. Default: all (every thread that runs jobs through an instrumented path).
        public var threadFilter: @Sendable (ThreadActivity) -> Bool
        /// Names the task and service that own the stalled code, from what the capture saw (the running task,
        /// its inherited task id) and the executor's job, consulted before ``TaskAttributionTable``. The Worker
        /// answers from its task registry. Default: `nil`.
        public var attributeTask: (@Sendable (TaskAttributionQuery) -> TaskAttribution?)? = nil

        /// Creates a configuration; see each property for its default.
        public init(timeout: Duration = .seconds(10), repeatAfter: Duration? = nil, pollInterval: Duration? = nil,
                    maxReportsKept: Int = 32, suppressWhileDebuggerAttached: Bool = true,
                    rateLimitWindow: Duration = .seconds(30), captureTimeout: Duration = .milliseconds(250),
                    watchesActivitySlots: Bool = true,
                    threadFilter: @escaping @Sendable (ThreadActivity) -> Bool = { _ in true }) {
            self.timeout = timeout
            self.repeatAfter = repeatAfter
            self.pollInterval = pollInterval
            self.maxReportsKept = maxReportsKept
            self.suppressWhileDebuggerAttached = suppressWhileDebuggerAttached
            self.rateLimitWindow = rateLimitWindow
            self.captureTimeout = captureTimeout
            self.watchesActivitySlots = watchesActivitySlots
            self.threadFilter = threadFilter
        }

        /// The repeat threshold in effect (nil when repeats are off).
        public var effectiveRepeatAfter: Duration? {
            guard let repeatAfter else { return timeout * 4 }
            return repeatAfter > .zero ? repeatAfter : nil
        }

        /// The poll interval in effect.
        public var effectivePollInterval: Duration {
            guard let pollInterval, pollInterval > .zero else { return timeout / 4 }
            return pollInterval
        }
    }

    /// Sent to `onStallEnded` when a reported stall finishes (for metrics: count and duration).
    public struct StallEnd: Sendable, Equatable {
        /// The ``StallReport/reportID`` of the first report of this stall.
        public var reportID: UInt64
        /// The thread that was blocked.
        public var threadID: Int32
        /// Its name.
        public var threadName: String
        /// How long the job held the thread.
        public var total: Duration
        /// The task that owned the job, if registered.
        public var task: TaskAttribution?
    }
}
