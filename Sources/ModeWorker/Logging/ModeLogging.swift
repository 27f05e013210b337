import Logging
import Synchronization

/// The Worker's one-time logging setup: bootstraps swift-log with ``ModeLogHandler``.
///
/// `LoggingSystem.bootstrap` may run only once per process, so only the Worker calls this, once, at start
/// (libraries and tests never do; tests construct ``ModeLogHandler`` directly). It returns what the Worker
/// needs later: the ``LogSink`` (to ``LogSink/reopen()`` on SIGHUP and to give its descriptor to the crash
/// reporter) and the ``RecentLogLines`` (for crash reports).
///
/// ```swift
/// let options = WorkerOptions.parseOrExit()
/// let logging = try ModeLogging.bootstrap(options)
/// // SIGHUP:
/// try logging.sink.reopen()
/// ```
public struct ModeLogging: Sendable {
    /// The sink every handler writes to.
    public let sink: LogSink
    /// The last lines written, for crash reports.
    public let recentLines: RecentLogLines
    /// The level every handler of this bootstrap follows (the console's `loglevel` changes it).
    public let levelControl: LogLevelControl

    private static let bootstrapped = Atomic<Bool>(false)

    /// Opens the sink described by `options` (`--logfile` or stderr; `--log-format`), creates the level
    /// control at `options.logLevel` and bootstraps swift-log (with `metadataProvider`, if any). Colour is used on a
    /// terminal unless the `NO_COLOR` environment variable is set (https://no-color.org).
    ///
    /// ```swift
    /// let logging = try ModeLogging.bootstrap(ResolvedWorkerOptions(logLevel: .debug))
    /// ```
    ///
    /// - Throws: ``LogSinkError`` if the log file cannot be opened; ``ModeLoggingError`` with code
    ///   ``ModeLoggingError/Code/alreadyBootstrapped`` on a second call.
    public static func bootstrap(
        _ options: ResolvedWorkerOptions, environment: [String: String]? = nil,
        metadataProvider: Logger.MetadataProvider? = nil
    ) throws -> ModeLogging {
        let sink: LogSink
        if let path = options.logFile {
            sink = try LogSink(path: path)
        } else {
            sink = .standardError()
        }
        let environment = environment ?? ProcessEnvironment.current()
        let configuration = ModeLogHandler.Configuration(
            sink: sink, format: options.logFormat, colorEnabled: environment["NO_COLOR"].map(\.isEmpty) ?? true,
            levelControl: LogLevelControl(level: options.logLevel), recentLines: RecentLogLines()
        )
        return try Self.bootstrap(configuration, metadataProvider: metadataProvider)
    }

    /// Bootstraps swift-log with handlers sharing `configuration`.
    ///
    /// ```swift
    /// let logging = try ModeLogging.bootstrap(.init(sink: .standardError(), format: .json))
    /// ```
    ///
    /// - Throws: ``ModeLoggingError`` with code ``ModeLoggingError/Code/alreadyBootstrapped`` if this process
    ///   already bootstrapped through `ModeLogging`.
    ///
    /// - Parameters:
    ///   - configuration: Shared by every handler.
    ///   - metadataProvider: swift-log's process-wide metadata provider (e.g. a tracing context), or `nil`.
    public static func bootstrap(
        _ configuration: ModeLogHandler.Configuration, metadataProvider: Logger.MetadataProvider? = nil
    ) throws -> ModeLogging {
        guard Self.bootstrapped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
            .exchanged
        else {
            throw ModeLoggingError(
                code: .alreadyBootstrapped, message: "logging was already bootstrapped in this process")
        }
        var configuration = configuration
        let recent = configuration.recentLines ?? RecentLogLines()
        configuration.recentLines = recent
        let shared = configuration
        LoggingSystem.bootstrap({ label, provider in
            ModeLogHandler(label: label, configuration: shared, metadataProvider: provider)
        }, metadataProvider: metadataProvider)
        return ModeLogging(sink: shared.sink, recentLines: recent, levelControl: shared.levelControl)
    }
}
