import Logging

/// The Worker's command-line settings after flags, environment variables and defaults were merged and
/// validated: plain values, ready for the Worker.
///
/// Made by ``WorkerOptions/resolved(environment:)`` or ``WorkerOptions/parseOrExit(arguments:environment:)``,
/// or directly when a program configures the Worker in code:
///
/// ```swift
/// var options = ResolvedWorkerOptions()
/// options.logLevel = .debug
/// options.blockingTimeout = .seconds(2)
/// ```
public struct ResolvedWorkerOptions: Sendable, Hashable {
    /// The initial log level of the Worker's loggers (``ModeLogging/levelControl`` when the Worker bootstraps
    /// mode's handler). Default: `.info`.
    public var logLevel: Logger.Level
    /// The log file to append to, or `nil` for standard error. Default: `nil`.
    public var logFile: String?
    /// Text or JSON lines. Default: ``LogFormat/text``.
    public var logFormat: LogFormat
    /// The stall watchdog's threshold: `nil` when not given (the Worker picks its default), `.zero` when
    /// disabled with `--blocking-timeout 0`. Default: `nil`.
    public var blockingTimeout: Duration?
    /// How executor jobs are timed for the watchdog. Default: ``ExecutorInstrumentation/hooks`` (with a
    /// start-up self-check and a fallback to ``ExecutorInstrumentation/executor``).
    public var executorInstrumentation: ExecutorInstrumentation
    /// Whether the debug console runs. Default: `true` (`--no-console` turns it off).
    public var consoleEnabled: Bool
    /// The debug console's TCP port; `0` asks the OS for an ephemeral port (the Worker logs the one it got).
    /// Default: ``WorkerOptions/defaultConsolePort`` (50101).
    public var consolePort: Int
    /// The address the console binds. Default: `127.0.0.1`.
    public var consoleHost: String
    /// The TCP port of the HTTP endpoint (`/healthz`, `/readyz`, `/metrics`); `nil`: no endpoint; `0`: any
    /// free port (the Worker logs the one it got). Default: `nil` — a listener is attack surface, and the port
    /// is the operator's to choose, to match their probes and scrape configuration.
    public var httpPort: Int?
    /// The address the HTTP endpoint binds. Default: `127.0.0.1`. Any other address logs a warning and
    /// requires `MODE_HTTP_TOKEN` (without it the endpoint is not started).
    public var httpHost: String
    /// `/readyz` answers 503 while an executor has been stalled longer than this; `nil`: 3 × the blocking
    /// timeout (30 s with the default 10 s). Default: `nil`.
    public var readyStallLimit: Duration?
    /// Whether the Worker bootstraps swift-metrics (`MetricsSystem.bootstrap`) with the HTTP endpoint's
    /// Prometheus registry, so that the application's own swift-metrics instruments appear on `/metrics`
    /// too. Default: `false`: the Worker never bootstraps swift-metrics unless asked (the application may
    /// have its own backend; the Worker's instruments then record into both). Only with ``httpPort`` set.
    ///
    /// ```swift
    /// var options = try WorkerOptions.parse(["--http-port", "9090"]).resolved()
    /// options.bootstrapsMetrics = true   // the app's Counter(label:) series are on /metrics as well
    /// ```
    ///
    /// - Important: swift-metrics can be bootstrapped once per process: leave this off when the application
    ///   calls `MetricsSystem.bootstrap` itself.
    public var bootstrapsMetrics: Bool
    /// mode's `debug` flag (more diagnostics). Default: `false`.
    public var debug: Bool
    /// mode's `quiet` flag: no banners on stderr (log lines are not affected). Default: `false`.
    public var quiet: Bool
    /// How long a graceful stop may take before the Worker names the stragglers, cancels and exits non-zero.
    /// Default: 60 seconds.
    public var shutdownTimeout: Duration

    /// Creates settings; every parameter has the default documented on its property.
    ///
    /// ```swift
    /// let options = ResolvedWorkerOptions(logLevel: .debug, consoleEnabled: false)
    /// ```
    public init(
        logLevel: Logger.Level = .info,
        logFile: String? = nil,
        logFormat: LogFormat = .text,
        blockingTimeout: Duration? = nil,
        executorInstrumentation: ExecutorInstrumentation = .hooks,
        consoleEnabled: Bool = true,
        consolePort: Int = WorkerOptions.defaultConsolePort,
        consoleHost: String = WorkerOptions.defaultConsoleHost,
        debug: Bool = false,
        quiet: Bool = false,
        shutdownTimeout: Duration = WorkerOptions.defaultShutdownTimeout,
        httpPort: Int? = nil,
        httpHost: String = WorkerOptions.defaultHTTPHost,
        readyStallLimit: Duration? = nil,
        bootstrapsMetrics: Bool = false
    ) {
        self.logLevel = logLevel
        self.logFile = logFile
        self.logFormat = logFormat
        self.blockingTimeout = blockingTimeout
        self.executorInstrumentation = executorInstrumentation
        self.consoleEnabled = consoleEnabled
        self.consolePort = consolePort
        self.consoleHost = consoleHost
        self.debug = debug
        self.quiet = quiet
        self.shutdownTimeout = shutdownTimeout
        self.httpPort = httpPort
        self.httpHost = httpHost
        self.readyStallLimit = readyStallLimit
        self.bootstrapsMetrics = bootstrapsMetrics
    }
}
