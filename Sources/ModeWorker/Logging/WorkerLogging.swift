import Logging

/// How a ``Worker`` sets up swift-log: whether it bootstraps mode's handler, and with which metadata provider.
///
/// `LoggingSystem.bootstrap` can run once per process (a second call is a swift-log precondition failure), so
/// a library must not call it behind an application's back. A standalone Worker (the `@main` program of the
/// README) bootstraps mode's handler, which gives mode's log format, `--logfile`, `--log-format`, `--loglevel`
/// and SIGHUP reopening. In a server that set up logging first (its own handler, an OpenTelemetry log handler),
/// the Worker logs through that handler instead and never replaces it.
///
/// ```swift
/// // A standalone Worker: mode's handler (the default).
/// await Worker(App(), options: try worker.resolved()).run()
///
/// // An application that bootstrapped swift-log itself: the Worker uses its handler.
/// LoggingSystem.bootstrap(OTelLogHandler.init)
/// await Worker(App(), logging: WorkerLogging(bootstrap: .never)).run()
///
/// // mode's handler with another metadata provider (the default, .modeTrace, adds trace_id and span_id).
/// let logging = WorkerLogging(metadataProvider: .multiplex([.modeTrace, tenantProvider]))
/// ```
public struct WorkerLogging: Sendable {
    /// Whether the Worker bootstraps swift-log with mode's handler.
    public enum Bootstrap: Sendable, Hashable {
        /// Bootstrap mode's handler unless the process already hands out a log handler of its own (any handler
        /// other than swift-log's default `StreamLogHandler`): then log through that one. The default.
        ///
        /// An application that bootstrapped swift-log with a `StreamLogHandler` cannot be told from one that did
        /// not bootstrap at all: it passes ``never``.
        case automatic
        /// Bootstrap mode's handler. For a process that has not bootstrapped swift-log.
        case always
        /// Never bootstrap: log through the application's handler. `--logfile`, `--log-format` and SIGHUP
        /// reopening belong to mode's handler and do not apply; `--loglevel` sets the level of the Worker's and
        /// its services' loggers; crash reports go to standard error.
        case never
    }

    /// Whether the Worker bootstraps swift-log. Default: ``Bootstrap/automatic``.
    public var bootstrap: Bootstrap
    /// swift-log's metadata provider for mode's handler, used when the Worker bootstraps. Default:
    /// ``Logging/Logger/MetadataProvider/modeTrace`` (`trace_id` and `span_id` of the task's `ServiceContext`
    /// when a tracer is bootstrapped; nothing otherwise). `nil`: no provider.
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a logging setup.
    ///
    /// ```swift
    /// let logging = WorkerLogging(bootstrap: .never)
    /// ```
    public init(bootstrap: Bootstrap = .automatic, metadataProvider: Logger.MetadataProvider? = .modeTrace) {
        self.bootstrap = bootstrap
        self.metadataProvider = metadataProvider
    }

    /// Whether the Worker should bootstrap mode's handler in this process now.
    func shouldBootstrap(processHasOwnHandler: @autoclosure () -> Bool = Self.processHasOwnHandler) -> Bool {
        switch bootstrap {
        case .always: true
        case .never: false
        case .automatic: !processHasOwnHandler()
        }
    }

    /// Whether swift-log hands out a handler other than its default `StreamLogHandler`, i.e. the application
    /// bootstrapped a handler of its own.
    static var processHasOwnHandler: Bool {
        !(Logger(label: "mode.logging-probe").handler is StreamLogHandler)
    }
}
