import Logging
import Synchronization

/// Captures log records in memory, for assertions in tests (tests never bootstrap `LoggingSystem`).
///
/// ```swift
/// let capture = LogCapture()
/// let service = MyService(lifecycle: ServiceLifecycleState(logger: capture.logger))
/// try await service.start()
/// #expect(capture.lines.contains("[^MyService]: Starting..."))
/// ```
public final class LogCapture: Sendable {
    /// One captured record.
    public struct Record: Sendable, CustomStringConvertible {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
        /// The `mode.service` path, if the record came from a service logger.
        public var servicePath: String? {
            if case .string(let path)? = metadata["mode.service"] { return path }
            return nil
        }
        /// The record as mode prints it, without the timestamp: `[^-App]: Starting...`.
        public var description: String {
            guard let path = servicePath else { return message }
            let parts = path.split(separator: "/")
            return "[^" + String(repeating: "-", count: max(0, parts.count - 1)) + (parts.last.map(String.init) ?? "")
                + "]: " + message
        }
    }

    private let storage = Mutex<[Record]>([])
    private let minimumLevel: Logger.Level

    /// Creates a capture that keeps records at `level` and above (default: everything).
    public init(level: Logger.Level = .trace) {
        minimumLevel = level
    }

    /// A logger writing into this capture.
    public var logger: Logger {
        Logger(label: "mode.test") { _ in Handler(capture: self, logLevel: self.minimumLevel) }
    }

    /// All records so far, in order.
    public var records: [Record] { storage.withLock { $0 } }

    /// All records rendered as mode prints them (see ``Record/description``).
    public var lines: [String] { records.map(\.description) }

    /// Forgets all records.
    public func reset() { storage.withLock { $0.removeAll() } }

    func append(_ record: Record) { storage.withLock { $0.append(record) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        init(capture: LogCapture, logLevel: Logger.Level) {
            self.capture = capture
            self.logLevel = logLevel
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            capture.append(Record(level: event.level, message: event.message.description, metadata: merged))
        }
    }
}
