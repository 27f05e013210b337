/// A command of the debug console: its name, aliases, help, and a synchronous handler.
///
/// Handlers are synchronous on purpose: the console runs them on its own threads, so they answer even
/// when every thread of Swift's cooperative pool is blocked. A handler must not wait for async work; it
/// reads state kept behind a `Mutex` or an atomic, and may throw ``ConsoleError`` for a clean error line.
///
/// Mark a command ``isExpensive`` when one run costs more than a few milliseconds of CPU (a stack dump,
/// anything that symbolicates): expensive commands run on their own thread, one at a time
/// (``DebugConsole/Configuration/expensiveCommandThreads``), so they never delay cheap ones like `ps`, and
/// clients asking for the same expensive command (same name, arguments and format) while it is queued or
/// running share its answer instead of running it again.
///
/// ```swift
/// let uptime = ConsoleCommand(
///     name: "uptime", aliases: ["up"], summary: "How long the process has run",
///     usage: "uptime", help: "Prints the seconds since the console started."
/// ) { _ in
///     let seconds = started.duration(to: .now).components.seconds
///     return ConsoleOutput(text: "\(seconds) s", json: ["uptime_s": .int(Int(seconds))])
/// }
/// console.registry.register(uptime)
/// ```
public struct ConsoleCommand: Sendable {
    /// The handler's signature: one invocation in, one output out.
    public typealias Handler = @Sendable (ConsoleInvocation) throws -> ConsoleOutput

    /// The name typed by the user, lowercase, without spaces (`ps`).
    public var name: String
    /// Other names for the command (`p` for `ps`).
    public var aliases: [String]
    /// One line for the `help` list.
    public var summary: String
    /// The synopsis shown by `help <cmd>` and in usage errors (`ps [-t] [filter]`).
    public var usage: String
    /// Longer help for `help <cmd>`: options, columns, examples. May be empty.
    public var help: String
    /// Hidden commands work but are not listed by `help`.
    public var isHidden: Bool
    /// Expensive commands run on the console's expensive lane and share one answer among the clients that
    /// ask at once (see the type's documentation). Their answer must not depend on the session that asked.
    public var isExpensive: Bool
    /// Runs the command.
    public var handler: Handler

    /// Creates a command.
    public init(
        name: String,
        aliases: [String] = [],
        summary: String,
        usage: String? = nil,
        help: String = "",
        isHidden: Bool = false,
        isExpensive: Bool = false,
        handler: @escaping Handler
    ) {
        self.name = name
        self.aliases = aliases
        self.summary = summary
        self.usage = usage ?? name
        self.help = help
        self.isHidden = isHidden
        self.isExpensive = isExpensive
        self.handler = handler
    }
}
