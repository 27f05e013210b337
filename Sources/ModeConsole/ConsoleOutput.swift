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
    private enum Text: Sendable {
        case value(String)
        case deferred(@Sendable () -> String)
        /// A table after a prefix, built when asked for: rendered straight into the wire buffer in text mode.
        case table(@Sendable () -> (table: ConsoleTable, prefix: String))
    }

    private enum JSON: Sendable {
        case none
        case value(JSONValue)
        case deferred(@Sendable () -> JSONValue)
    }

    private var textStorage: Text
    private var jsonStorage: JSON

    /// The text shown in text mode. A missing final newline is added on the wire.
    public var text: String {
        get {
            switch textStorage {
            case .value(let text): text
            case .deferred(let make): make()
            case .table(let make):
                { let (table, prefix) = make(); return table.rendered(prefix: prefix) }()
            }
        }
        set { textStorage = .value(newValue) }
    }

    /// The document sent in JSON mode, or `nil` to wrap ``text`` as `{"output": ...}`.
    public var json: JSONValue? {
        get {
            switch jsonStorage {
            case .none: nil
            case .value(let json): json
            case .deferred(let make): make()
            }
        }
        set { jsonStorage = newValue.map(JSON.value) ?? .none }
    }

    /// Whether the output reports a failure (`error: ...` / `{"error": ...}`).
    public var isError: Bool
    /// Whether the console closes the session after sending the output (`exit`).
    public var closesSession: Bool

    /// Creates an output.
    public init(text: String, json: JSONValue? = nil, isError: Bool = false, closesSession: Bool = false) {
        self.textStorage = .value(text)
        self.jsonStorage = json.map(JSON.value) ?? .none
        self.isError = isError
        self.closesSession = closesSession
    }

    /// Creates an output whose text and JSON are built only when the format that needs them is asked for.
    ///
    /// Use it for large answers (a `ps` of 10,000 tasks): text mode then never builds the JSON, and
    /// `json <command>` never renders the table. Each closure runs at most once per invocation, on a console
    /// thread.
    ///
    /// ```swift
    /// let tasks = registry.snapshot()
    /// return ConsoleOutput(text: { Self.table(tasks).rendered() }, json: { Self.json(tasks) })
    /// ```
    public init(
        text: @escaping @Sendable () -> String,
        json: (@Sendable () -> JSONValue)?,
        isError: Bool = false,
        closesSession: Bool = false
    ) {
        self.textStorage = .deferred(text)
        self.jsonStorage = json.map(JSON.deferred) ?? .none
        self.isError = isError
        self.closesSession = closesSession
    }

    /// Creates an output whose text is a table after a prefix (a summary line, say), both built only when text
    /// mode asks for them, like ``init(text:json:isError:closesSession:)``; the console then renders the table
    /// straight into the bytes it sends (a 10,000-row `ps` is 1.3 MB: no intermediate string, no second copy).
    ///
    /// ```swift
    /// return ConsoleOutput(table: {
    ///     var table = ConsoleTable(columns: ["ID", "Name"])
    ///     for task in tasks { table.append(["\(task.id)", task.name]) }
    ///     return (table, "\(tasks.count) tasks\n")
    /// }, json: { Self.json(tasks) })
    /// ```
    public init(
        table: @escaping @Sendable () -> (table: ConsoleTable, prefix: String),
        json: (@Sendable () -> JSONValue)?,
        isError: Bool = false,
        closesSession: Bool = false
    ) {
        self.textStorage = .table(table)
        self.jsonStorage = json.map(JSON.deferred) ?? .none
        self.isError = isError
        self.closesSession = closesSession
    }

    /// The deferred table of an output made with ``init(table:json:isError:closesSession:)`` (and not changed
    /// since): the console renders it for the wire itself.
    var deferredTable: (@Sendable () -> (table: ConsoleTable, prefix: String))? {
        if case .table(let make) = textStorage { return make }
        return nil
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
    /// Both are built lazily, only for the format asked for.
    public static func table(_ table: ConsoleTable, summary: String? = nil, json: JSONValue? = nil) -> ConsoleOutput {
        ConsoleOutput(
            table: { (table, summary.map { $0 + "\n" } ?? "") },
            json: {
                if let json { return json }
                var document: [(String, JSONValue)] = []
                if let summary { document.append(("summary", .string(summary))) }
                document.append(("rows", table.jsonRows()))
                return .object(document)
            }
        )
    }

    /// The one JSON document this output sends in JSON mode.
    public var jsonDocument: JSONValue {
        json ?? ["output": .string(text)]
    }
}
