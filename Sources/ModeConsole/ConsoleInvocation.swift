/// One call of a console command: its arguments, the output format asked for, and the session.
///
/// ```swift
/// ConsoleCommand(name: "echo", summary: "Print the arguments", usage: "echo [words...]") { invocation in
///     ConsoleOutput(text: invocation.arguments.joined(separator: " "),
///                   json: .array(invocation.arguments.map(JSONValue.string)))
/// }
/// ```
public struct ConsoleInvocation: Sendable {
    /// The output format the client asked for.
    public enum Format: Sendable, Hashable {
        /// Plain text, the default.
        case text
        /// One JSON document (`json <command>`).
        case json
    }

    /// The command's canonical name (even when it was called through an alias).
    public var command: String
    /// The arguments after the command name, split like a shell does (quotes group words).
    public var arguments: [String]
    /// Text or JSON. Commands may ignore it: the console picks ``ConsoleOutput/text`` or ``ConsoleOutput/json``.
    public var format: Format
    /// The session the command came from.
    public var session: ConsoleSessionInfo
    /// The registry the command was found in, for commands that call other commands (`help`, `json`).
    public var registry: ConsoleCommandRegistry
    /// Set by the console when every client waiting for this run's answer has gone.
    var cancellation: ConsoleCancellation?

    /// Whether every client waiting for this command's answer has disconnected.
    ///
    /// The console never starts a command whose client has gone, but one already running is left to finish;
    /// a long handler may check this between steps and return early (its answer is discarded).
    ///
    /// ```swift
    /// for shard in shards {
    ///     if invocation.isCancelled { return ConsoleOutput(text: "cancelled") }
    ///     lines.append(shard.describe())
    /// }
    /// ```
    public var isCancelled: Bool { cancellation?.isCancelled ?? false }

    /// Creates an invocation; the console does this for every command line.
    public init(
        command: String,
        arguments: [String],
        format: Format = .text,
        session: ConsoleSessionInfo = ConsoleSessionInfo(id: 0, remoteAddress: "local"),
        registry: ConsoleCommandRegistry
    ) {
        self.command = command
        self.arguments = arguments
        self.format = format
        self.session = session
        self.registry = registry
    }
}

/// Who is talking to the console: a session number (unique per process) and the peer address.
public struct ConsoleSessionInfo: Sendable, Hashable, CustomStringConvertible {
    /// The session number, counting from 1 in the order sessions were accepted.
    public var id: Int
    /// The peer, e.g. `127.0.0.1:53422`.
    public var remoteAddress: String

    /// Creates session information.
    public init(id: Int, remoteAddress: String) {
        self.id = id
        self.remoteAddress = remoteAddress
    }

    public var description: String { "session \(id) (\(remoteAddress))" }
}
