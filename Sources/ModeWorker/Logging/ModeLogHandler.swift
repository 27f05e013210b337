import Logging

/// The swift-log handler the Worker bootstraps: mode's log format, on standard error or a log file.
///
/// ```text
/// [2018-03-27 15:47:12,159: INFO]: [^--Webserver]: Serving on port 8000
/// ```
///
/// The `[^--Webserver]` prefix comes from the `mode.service` metadata key (the service's path in the tree,
/// `Worker/AppService/Webserver`; see ``ModeLogFormatter/serviceLabel(forPath:)``). Other metadata follows
/// the message as ` key=value` pairs. With ``LogFormat/json`` every record is one JSON object per line.
///
/// The level is read from a shared ``LogLevelControl`` on every call, so changing it at runtime reaches
/// every logger at once. An `error:` passed to the log call is shown as the `error` metadata key. Every written line is also appended (uncoloured) to ``RecentLogLines`` if one is
/// configured, for crash reports.
///
/// Tests construct handlers directly (never bootstrap `LoggingSystem` in tests):
///
/// ```swift
/// let sink = try LogSink(path: "/tmp/test.log")
/// let handler = ModeLogHandler(label: "test", configuration: .init(sink: sink))
/// var logger = Logger(label: "test", factory: { _ in handler })
/// logger[metadataKey: "mode.service"] = "Worker/AppService"
/// logger.info("Starting...")   // [....: INFO]: [^-AppService]: Starting...
/// ```
public struct ModeLogHandler: LogHandler {
    /// What every handler of a process shares: where to write, how, at which level.
    ///
    /// ```swift
    /// let configuration = ModeLogHandler.Configuration(sink: .standardError(), format: .json)
    /// ```
    public struct Configuration: Sendable {
        /// Where records go. Default: standard error.
        public var sink: LogSink
        /// Text or JSON. Default: ``LogFormat/text``.
        public var format: LogFormat
        /// Allow ANSI colours. They are used only if this is `true`, the format is text and the sink is a
        /// terminal. Default: `true`.
        public var colorEnabled: Bool
        /// The level shared by the handlers of this configuration. Default: a new control at `.info`.
        public var levelControl: LogLevelControl
        /// Where the last lines are kept for crash reports, or `nil`. Default: `nil`.
        public var recentLines: RecentLogLines?
        /// The clock stamping records. Default: ``LogTimestamp/now()``.
        public var now: @Sendable () -> LogTimestamp

        /// Creates a configuration; every parameter has the default documented on its property.
        ///
        /// ```swift
        /// let configuration = ModeLogHandler.Configuration(sink: try LogSink(path: "app.log"))
        /// ```
        public init(
            sink: LogSink = .standardError(), format: LogFormat = .text, colorEnabled: Bool = true,
            levelControl: LogLevelControl = LogLevelControl(), recentLines: RecentLogLines? = nil,
            now: @escaping @Sendable () -> LogTimestamp = { LogTimestamp.now() }
        ) {
            self.sink = sink
            self.format = format
            self.colorEnabled = colorEnabled
            self.levelControl = levelControl
            self.recentLines = recentLines
            self.now = now
        }
    }

    /// The logger's label (printed as `logger` in JSON records).
    public let label: String
    /// The shared configuration.
    public let configuration: Configuration
    private let formatter: ModeLogFormatter
    private var levelOverride: Logger.Level?

    /// Handler-level metadata (set through `logger[metadataKey:]`), e.g. `mode.service`.
    public var metadata: Logger.Metadata = [:]
    /// swift-log's metadata provider, merged between handler and call-site metadata.
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler.
    ///
    /// ```swift
    /// let handler = ModeLogHandler(label: "mode", configuration: .init())
    /// ```
    public init(
        label: String, configuration: Configuration, metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.configuration = configuration
        self.metadataProvider = metadataProvider
        let color = configuration.colorEnabled && configuration.format == .text && configuration.sink.isTerminal
        self.formatter = ModeLogFormatter(format: configuration.format, useColor: color)
    }

    /// The level: this logger's own override if one was set, otherwise the shared
    /// ``Configuration/levelControl``'s current level. Setting it overrides the shared level for this logger
    /// (and its copies) only; to change every logger set the configuration's ``Configuration/levelControl``.
    ///
    /// ```swift
    /// logger.logLevel = .trace   // just this logger
    /// ```
    public var logLevel: Logger.Level {
        get { self.levelOverride ?? self.configuration.levelControl.level }
        set { self.levelOverride = newValue }
    }

    /// One handler-level metadata value; `logger[metadataKey: "mode.service"] = "Worker/AppService"` gives
    /// the logger its `[^-AppService]` prefix.
    ///
    /// ```swift
    /// logger[metadataKey: "request"] = "42"
    /// ```
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    /// Formats `event` and writes it as one line (swift-log calls this after checking the level).
    ///
    /// ```swift
    /// logger.info("Starting...")   // reaches log(event:)
    /// ```
    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided, uniquingKeysWith: { _, new in new })
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit, uniquingKeysWith: { _, new in new })
        }
        if let error = event.error, merged["error"] == nil {
            merged["error"] = .string(String(describing: error))
        }
        let record = ModeLogFormatter.Record(
            timestamp: self.configuration.now(), level: event.level, message: event.message.description,
            metadata: merged, label: self.label, source: event.source, file: event.file, function: event.function,
            line: event.line
        )
        let (line, plain) = self.formatter.render(record)
        self.configuration.recentLines?.append(plain)
        self.configuration.sink.write(line)
    }
}
