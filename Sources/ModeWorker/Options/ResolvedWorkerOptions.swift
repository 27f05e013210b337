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
        shutdownTimeout: Duration = WorkerOptions.defaultShutdownTimeout
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
    }
}
