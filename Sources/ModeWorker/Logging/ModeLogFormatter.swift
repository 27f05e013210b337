#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Renders log records as mode's text lines or as JSON lines. Pure: the same record gives the same line.
///
/// Text (`LogFormat.text`), exactly as mode prints it, followed by the metadata as ` key=value` pairs
/// (sorted keys; the `mode.service` key is shown as the prefix, not repeated):
///
/// ```text
/// [2018-03-27 15:47:12,159: INFO]: [^--Webserver]: Serving on port 8000 port=8000
/// ```
///
/// JSON (`LogFormat.json`), one object per line:
///
/// ```text
/// {"time":"2018-03-27T15:47:12.159+02:00","level":"info","service":"Worker/AppService/Webserver",
///  "label":"[^--Webserver]","message":"Serving on port 8000","metadata":{"port":"8000"},
///  "logger":"mode","source":"ModeCore","file":"ModeCore/Service.swift","line":42,"pid":1234}
/// ```
/// (shown wrapped; it is one line). `service` and `label` are `null` for records without `mode.service`.
///
/// Level names: `DEBUG`, `INFO`, `WARNING`, `ERROR` and `CRITICAL` as in mode; swift-log's two extra levels
/// print as `TRACE` and `NOTICE` (mapping them onto mode's names would lose information, and grepping for
/// mode's names still finds everything mode would print).
///
/// ```swift
/// let formatter = ModeLogFormatter(format: .text, useColor: false)
/// let line = formatter.format(record)          // ends with "\n"
/// ```
public struct ModeLogFormatter: Sendable {
    /// One record to format.
    public struct Record: Sendable {
        /// When the record was made.
        public var timestamp: LogTimestamp
        /// Its level.
        public var level: Logger.Level
        /// The message text.
        public var message: String
        /// All metadata, merged (handler, provider, call site), including `mode.service` if present.
        public var metadata: Logger.Metadata
        /// The logger's label.
        public var label: String
        /// swift-log's source (usually the module).
        public var source: String
        /// The call site's `#fileID`.
        public var file: String
        /// The call site's `#function`.
        public var function: String
        /// The call site's `#line`.
        public var line: UInt

        /// Creates a record.
        ///
        /// ```swift
        /// let record = ModeLogFormatter.Record(timestamp: .now(), level: .info, message: "Starting...",
        ///                                      metadata: ["mode.service": "Worker"], label: "mode")
        /// ```
        public init(
            timestamp: LogTimestamp, level: Logger.Level, message: String, metadata: Logger.Metadata = [:],
            label: String, source: String = "", file: String = #fileID, function: String = #function,
            line: UInt = #line
        ) {
            self.timestamp = timestamp
            self.level = level
            self.message = message
            self.metadata = metadata
            self.label = label
            self.source = source
            self.file = file
            self.function = function
            self.line = line
        }
    }

    /// The metadata key holding the service path (`Worker/AppService/Webserver`) that becomes the
    /// `[^--Webserver]` prefix.
    public static let serviceMetadataKey = "mode.service"

    /// The metadata keys of the trace context (set by ``Logging/Logger/MetadataProvider/modeTrace`` or an
    /// OpenTelemetry provider) that the JSON format writes as top-level fields.
    static let traceMetadataKeys = ["trace_id", "span_id"]

    /// Text or JSON.
    public var format: LogFormat
    /// Whether to wrap text records in ANSI colour codes (by level). Ignored for JSON.
    public var useColor: Bool
    /// The process id printed in JSON records.
    public var processID: Int32

    /// Creates a formatter.
    ///
    /// ```swift
    /// let formatter = ModeLogFormatter(format: .json)
    /// ```
    public init(format: LogFormat = .text, useColor: Bool = false, processID: Int32 = getpid()) {
        self.format = format
        self.useColor = useColor
        self.processID = processID
    }

    /// The record as one line ending in `"\n"` — what the sink writes — and the same line without colour
    /// and without the newline (what ``RecentLogLines`` keeps).
    ///
    /// ```swift
    /// let (line, plain) = formatter.render(record)
    /// ```
    public func render(_ record: Record) -> (line: String, plain: String) {
        switch self.format {
        case .json:
            let plain = self.json(record)
            return (plain + "\n", plain)
        default:
            let header = "[\(record.timestamp.textFormat): \(Self.levelName(record.level))]: "
            let body = self.textBody(record)
            guard self.useColor, let color = Self.color(record.level) else {
                return (header + body + "\n", header + body)
            }
            return (header + color + body + "\u{1B}[0m\n", header + body)
        }
    }

    /// The record as the line the sink writes (ends with `"\n"`).
    ///
    /// ```swift
    /// let line = formatter.format(record)
    /// ```
    public func format(_ record: Record) -> String {
        self.render(record).line
    }

    /// mode's prefix for a service path: `[^` + `-` × (depth − 1) + last component + `]`, where depth is the
    /// number of `/`-separated components. `nil` for an empty path.
    ///
    /// ```swift
    /// ModeLogFormatter.serviceLabel(forPath: "Worker")                        // "[^Worker]"
    /// ModeLogFormatter.serviceLabel(forPath: "Worker/AppService/Webserver")   // "[^--Webserver]"
    /// ```
    public static func serviceLabel(forPath path: String) -> String? {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = components.last else { return nil }
        return "[^" + String(repeating: "-", count: components.count - 1) + last + "]"
    }

    /// The level as printed in text lines: `TRACE`, `DEBUG`, `INFO`, `NOTICE`, `WARNING`, `ERROR`, `CRITICAL`.
    ///
    /// ```swift
    /// ModeLogFormatter.levelName(.warning)   // "WARNING"
    /// ```
    public static func levelName(_ level: Logger.Level) -> String {
        level.rawValue.uppercased()
    }

    private static func color(_ level: Logger.Level) -> String? {
        switch level {
        case .trace: "\u{1B}[2m"  // dim
        case .debug: "\u{1B}[34m"  // blue
        case .info: nil
        case .notice: "\u{1B}[36m"  // cyan
        case .warning: "\u{1B}[33m"  // yellow
        case .error: "\u{1B}[31m"  // red
        case .critical: "\u{1B}[1;31m"  // bold red
        }
    }

    private func textBody(_ record: Record) -> String {
        var body = ""
        if case let path? = record.metadata[Self.serviceMetadataKey], let label = Self.serviceLabel(forPath: "\(path)")
        {
            body += label + ": "
        }
        body += record.message
        for (key, value) in record.metadata.sorted(by: { $0.key < $1.key }) where key != Self.serviceMetadataKey {
            body += " \(key)=\(value)"
        }
        return body
    }

    private func json(_ record: Record) -> String {
        var out = "{\"time\":"
        JSONText.appendString(record.timestamp.iso8601, to: &out)
        out += ",\"level\":"
        JSONText.appendString(record.level.rawValue, to: &out)
        if case let path? = record.metadata[Self.serviceMetadataKey] {
            let pathText = "\(path)"
            out += ",\"service\":"
            JSONText.appendString(pathText, to: &out)
            out += ",\"label\":"
            if let label = Self.serviceLabel(forPath: pathText) {
                JSONText.appendString(label, to: &out)
            } else {
                out += "null"
            }
        } else {
            out += ",\"service\":null,\"label\":null"
        }
        var metadata = record.metadata
        metadata[Self.serviceMetadataKey] = nil
        // The trace context, where log pipelines look for it (OpenTelemetry's field names): top level.
        for key in Self.traceMetadataKeys {
            guard let value = metadata.removeValue(forKey: key) else { continue }
            out += ",\"\(key)\":"
            JSONText.appendString("\(value)", to: &out)
        }
        out += ",\"message\":"
        JSONText.appendString(record.message, to: &out)
        out += ",\"metadata\":"
        JSONText.appendObject(metadata, to: &out)
        out += ",\"logger\":"
        JSONText.appendString(record.label, to: &out)
        out += ",\"source\":"
        JSONText.appendString(record.source, to: &out)
        out += ",\"file\":"
        JSONText.appendString(record.file, to: &out)
        out += ",\"function\":"
        JSONText.appendString(record.function, to: &out)
        out += ",\"line\":\(record.line),\"pid\":\(self.processID)}"
        return out
    }
}
