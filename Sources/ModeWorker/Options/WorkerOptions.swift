import ArgumentParser

/// The Worker's command-line options, as an options group to embed in your own `@main` command.
///
/// Every option can also be set with an environment variable (`MODE_LOGLEVEL`, ...); a flag given on the
/// command line wins over the variable, and the variable wins over the default. Values are validated while
/// parsing (``validate()``: flags and the process's variables) and again when ``resolved(environment:)``
/// merges them. A bad value gives a one-line error naming the flag or variable and the accepted values,
/// and exit code 64 (`EX_USAGE`, argument-parser's `ExitCode.validationFailure`), also in your own
/// command. The numeric options take the next argument unconditionally, so `--blocking-timeout -1`
/// reports the bad number rather than a missing value.
///
/// ```swift
/// @main struct PageViews: AsyncParsableCommand {
///     @OptionGroup var worker: WorkerOptions
///     func run() async throws {
///         let options = try worker.resolved()          // flags + MODE_* variables + defaults
///         try await Worker(App(), options: options).run()
///     }
/// }
/// ```
///
/// Without a command of your own:
///
/// ```swift
/// let options = WorkerOptions.parseOrExit()   // prints a one-line error and exits 64 on bad input
/// ```
public struct WorkerOptions: ParsableArguments, Sendable {
    /// The debug console's default port.
    public static let defaultConsolePort = 50101
    /// The debug console's default bind address.
    public static let defaultConsoleHost = "127.0.0.1"
    /// The HTTP endpoint's default bind address.
    public static let defaultHTTPHost = "127.0.0.1"
    /// The default bound of a graceful stop.
    public static let defaultShutdownTimeout = Duration.seconds(60)

    /// `--loglevel LEVEL` (env `MODE_LOGLEVEL`).
    @Option(
        name: .customLong("loglevel"),
        help: ArgumentHelp(
            "Log level: trace, debug, info, notice, warning (or warn), error, critical. Default: info. "
                + "Env: MODE_LOGLEVEL.",
            valueName: "level"))
    public var logLevel: String?

    /// `--logfile PATH` (env `MODE_LOGFILE`).
    @Option(
        name: .customLong("logfile"),
        help: ArgumentHelp(
            "Append log lines to this file (created with mode 0640; reopened on SIGHUP) instead of stderr. "
                + "Env: MODE_LOGFILE.",
            valueName: "path"))
    public var logFile: String?

    /// `--log-format text|json` (env `MODE_LOG_FORMAT`).
    @Option(
        name: .customLong("log-format"),
        help: ArgumentHelp(
            "Log line format: text (mode's format) or json (one object per line). Default: text. "
                + "Env: MODE_LOG_FORMAT.",
            valueName: "format"))
    public var logFormat: String?

    /// `--blocking-timeout SECONDS` (env `MODE_BLOCKING_TIMEOUT`).
    @Option(
        name: .customLong("blocking-timeout"), parsing: .unconditional,
        help: ArgumentHelp(
            "Report executor stalls longer than this many seconds (a number >= 0; 0 disables). "
                + "Default: the Worker's. Env: MODE_BLOCKING_TIMEOUT.",
            valueName: "seconds"))
    public var blockingTimeout: String?

    /// `--executor-instrumentation hooks|executor|off` (env `MODE_EXECUTOR_INSTRUMENTATION`).
    @Option(
        name: .customLong("executor-instrumentation"),
        help: ArgumentHelp(
            "How executor jobs are timed for stall reports: hooks (the global pool's enqueue hooks, after a "
                + "start-up self-check; falls back to executor), executor (service tasks on the Worker's own "
                + "executor) or off (heartbeats only). Default: hooks. Env: MODE_EXECUTOR_INSTRUMENTATION.",
            valueName: "mode"))
    public var executorInstrumentation: String?

    /// `--console-port PORT` (env `MODE_CONSOLE_PORT`).
    @Option(
        name: .customLong("console-port"), parsing: .unconditional,
        help: ArgumentHelp(
            "Debug console TCP port, 0...65535 (0 = any free port). Default: 50101. Env: MODE_CONSOLE_PORT.",
            valueName: "port"))
    public var consolePort: String?

    /// `--console-host HOST` (env `MODE_CONSOLE_HOST`).
    @Option(
        name: .customLong("console-host"),
        help: ArgumentHelp(
            "Debug console bind address. Default: 127.0.0.1. Env: MODE_CONSOLE_HOST.", valueName: "host"))
    public var consoleHost: String?

    /// `--http-port PORT` (env `MODE_HTTP_PORT`).
    @Option(
        name: .customLong("http-port"), parsing: .unconditional,
        help: ArgumentHelp(
            "Serve /healthz, /readyz, /metrics and the web view /debug/ over HTTP on this TCP port, 0...65535 (0 = any free port). "
                + "Default: off. Env: MODE_HTTP_PORT.",
            valueName: "port"))
    public var httpPort: String?

    /// `--http-host HOST` (env `MODE_HTTP_HOST`).
    @Option(
        name: .customLong("http-host"),
        help: ArgumentHelp(
            "HTTP endpoint bind address. Default: 127.0.0.1; any other address requires MODE_HTTP_TOKEN. "
                + "Env: MODE_HTTP_HOST.",
            valueName: "host"))
    public var httpHost: String?

    /// `--ready-stall-limit SECONDS` (env `MODE_READY_STALL_LIMIT`).
    @Option(
        name: .customLong("ready-stall-limit"), parsing: .unconditional,
        help: ArgumentHelp(
            "/readyz answers 503 while an executor has been stalled longer than this many seconds (a number "
                + "> 0). Default: 3 x the blocking timeout. Env: MODE_READY_STALL_LIMIT.",
            valueName: "seconds"))
    public var readyStallLimit: String?

    /// `--console` / `--no-console` (env `MODE_CONSOLE`).
    @Flag(
        name: .customLong("console"), inversion: .prefixedNo,
        help: "Run the debug console (default) or not. Env: MODE_CONSOLE=1|0.")
    public var console: Bool?

    /// `--debug` / `--no-debug` (env `MODE_DEBUG`).
    @Flag(inversion: .prefixedNo, help: "Debug mode: extra diagnostics. Default: off. Env: MODE_DEBUG=1|0.")
    public var debug: Bool?

    /// `--quiet` / `--no-quiet` (env `MODE_QUIET`).
    @Flag(
        inversion: .prefixedNo,
        help: "Print no banners on stderr (log lines are unaffected). Default: off. Env: MODE_QUIET=1|0.")
    public var quiet: Bool?

    /// `--shutdown-timeout SECONDS` (env `MODE_SHUTDOWN_TIMEOUT`).
    @Option(
        name: .customLong("shutdown-timeout"), parsing: .unconditional,
        help: ArgumentHelp(
            "Bound of a graceful stop in seconds (a number > 0); then the Worker names the services still "
                + "stopping, cancels them and exits non-zero. Default: 60. Env: MODE_SHUTDOWN_TIMEOUT.",
            valueName: "seconds"))
    public var shutdownTimeout: String?

    /// Creates options with nothing given (all defaults).
    ///
    /// ```swift
    /// let options = try WorkerOptions().resolved(environment: [:])
    /// ```
    public init() {}

    /// Validates the command line and the `MODE_*` variables of the process environment. argument-parser
    /// calls this while parsing, so a command embedding the options reports a bad value before `run()`.
    ///
    /// ```swift
    /// let options = try WorkerOptions.parse(["--loglevel", "debug"])   // runs validate()
    /// ```
    ///
    /// A bad value is reported here, in one line on standard error (`Error: --loglevel: invalid value
    /// 'nonsense' (accepted: ...)`), and the error thrown is `ExitCode.validationFailure` (64). A
    /// `ValidationError` would make argument-parser print the embedding command's usage and a "See
    /// '--help'" line after the message: three lines where one names the flag and the accepted values.
    /// Unknown options and missing values are argument-parser's own errors, with the command's usage.
    public func validate() throws {
        if Self.throwsValidationErrors {
            // The caller resolves with the environment it chooses and reports errors itself.
            _ = try self.resolved(environment: [:])
            return
        }
        do {
            _ = try self.resolved()
        } catch let error as ValidationError {
            LogSink.standardError().write("Error: \(error.message)\n")
            throw ExitCode.validationFailure
        }
    }

    /// Set by callers that report the error themselves (``parseOrExit(arguments:environment:)``, tests):
    /// ``validate()`` then throws the `ValidationError` instead of printing it. A task-local rather than a
    /// parameter because argument-parser calls `validate()` itself.
    @TaskLocal package static var throwsValidationErrors = false
}
