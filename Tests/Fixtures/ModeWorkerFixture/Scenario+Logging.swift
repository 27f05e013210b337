import Logging
import Mode

#if canImport(Glibc)
import Glibc
#endif

/// Scenarios of an application that owns its logging, and of mode's handler with a metadata provider.
extension Scenario {
    /// The application bootstraps its own handler before the Worker runs; the Worker (default
    /// `WorkerLogging`) must not bootstrap again (a swift-log precondition failure) and logs through it.
    static let appLogging = Scenario(makeRoot: { AppService(children: [Ticker()]) }) { _ in
        LoggingSystem.bootstrap { label in AppLogHandler(label: label) }
    }

    /// mode's handler, bootstrapped by the Worker with a metadata provider (a trace id in every record).
    static let metadataProvider: Scenario = {
        var scenario = Scenario { AppService(children: [Ticker()]) }
        scenario.logging = WorkerLogging(
            bootstrap: .always, metadataProvider: Logger.MetadataProvider { ["trace_id": "4bf92f3577b34da6"] })
        return scenario
    }()
}

/// An application's own log handler: `APP| LEVEL label: message` lines on standard error.
struct AppLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line = "APP| \(event.level) \(label): \(event.message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
