/// How ``ModeLogHandler`` renders a record: mode's text lines or JSON lines.
///
/// ```swift
/// let format: LogFormat = .json
/// LogFormat(name: "text")    // .text
/// ```
public struct LogFormat: Sendable, Hashable, CustomStringConvertible {
    private enum Wrapped: Sendable, Hashable {
        case text
        case json
    }

    private let wrapped: Wrapped

    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// mode's text format: `[2018-03-27 15:47:12,159: INFO]: [^--Webserver]: Serving on port 8000`.
    public static let text = LogFormat(.text)

    /// One JSON object per line with the same fields plus metadata (`--log-format json`).
    public static let json = LogFormat(.json)

    /// Parses `text` or `json` (case-insensitive); `nil` otherwise.
    ///
    /// ```swift
    /// LogFormat(name: "JSON") == .json   // true
    /// ```
    public init?(name: String) {
        switch name.trimmingASCIIWhitespace().lowercased() {
        case "text": self = .text
        case "json": self = .json
        default: return nil
        }
    }

    /// The accepted names, for help and error texts.
    public static let names = ["text", "json"]

    /// `text` or `json`.
    public var description: String {
        switch self.wrapped {
        case .text: "text"
        case .json: "json"
        }
    }
}
