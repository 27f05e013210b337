/// What a console command answers: text for people and, optionally, a JSON value for `json <command>`.
///
/// ```swift
/// var table = ConsoleTable(columns: ["Name", "State"])
/// table.append(["cache", "running"])
/// return ConsoleOutput(text: "1 service\n" + table.rendered(), json: ["services": table.jsonRows()])
/// ```
///
/// A command without `json` still works under `json <command>`: its text is sent as `{"output": "<text>"}`.
public struct ConsoleOutput: Sendable {
    /// The text shown in text mode. A missing final newline is added on the wire.
    public var text: String
    /// The document sent in JSON mode, or `nil` to wrap ``text`` as `{"output": ...}`.
    public var json: JSONValue?
    /// Whether the output reports a failure (`error: ...` / `{"error": ...}`).
    public var isError: Bool
    /// Whether the console closes the session after sending the output (`exit`).
    public var closesSession: Bool

    /// Creates an output.
    public init(text: String, json: JSONValue? = nil, isError: Bool = false, closesSession: Bool = false) {
        self.text = text
        self.json = json
        self.isError = isError
        self.closesSession = closesSession
    }

    /// An error answer: `error: <message>` in text mode, `{"error": "<message>"}` in JSON mode.
    ///
    /// ```swift
    /// return .error("no task with id 42")
    /// ```
    public static func error(_ message: String) -> ConsoleOutput {
        ConsoleOutput(text: "error: \(message)", json: ["error": .string(message)], isError: true)
    }

    /// An answer built from a table, optionally preceded by a summary line (`3 tasks running`).
    ///
    /// In JSON mode it is `json` when given, else `{"summary": ..., "rows": [...]}`.
    public static func table(_ table: ConsoleTable, summary: String? = nil, json: JSONValue? = nil) -> ConsoleOutput {
        let text = (summary.map { $0 + "\n" } ?? "") + table.rendered()
        var document: [(String, JSONValue)] = []
        if let summary { document.append(("summary", .string(summary))) }
        document.append(("rows", table.jsonRows()))
        return ConsoleOutput(text: text, json: json ?? .object(document))
    }

    /// The one JSON document this output sends in JSON mode.
    public var jsonDocument: JSONValue {
        json ?? ["output": .string(text)]
    }
}
