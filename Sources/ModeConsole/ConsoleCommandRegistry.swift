import Synchronization

/// The commands a ``DebugConsole`` understands, looked up by name or alias.
///
/// A new registry holds the built-in commands `help [cmd]`, `exit` (`quit`, `q`) and `json <command>`.
/// The Worker registers its own (`ps`, `where`, `services`, `stacks`, ...). Registering is thread-safe and
/// may happen while the console runs; a command registered under an existing name replaces it.
///
/// ```swift
/// let registry = ConsoleCommandRegistry()
/// registry.register(ConsoleCommand(name: "ping", summary: "Answer pong") { _ in
///     ConsoleOutput(text: "pong", json: ["pong": true])
/// })
/// let output = registry.execute(line: "json ping")   // output.text == #"{"pong":true}"#
/// ```
public final class ConsoleCommandRegistry: Sendable {
    private struct Storage {
        var commands: [String: ConsoleCommand] = [:]
        var aliases: [String: String] = [:]
    }

    private let storage = Mutex(Storage())

    /// Creates a registry holding the built-in commands.
    public init() {
        for command in Self.builtinCommands { register(command) }
    }

    /// Adds a command, replacing any command with the same name.
    ///
    /// ```swift
    /// registry.register(ConsoleCommand(name: "ping", summary: "Answer pong") { _ in ConsoleOutput(text: "pong") })
    /// ```
    public func register(_ command: ConsoleCommand) {
        storage.withLock { storage in
            if let old = storage.commands[command.name] {
                for alias in old.aliases where storage.aliases[alias] == old.name { storage.aliases[alias] = nil }
            }
            storage.commands[command.name] = command
            for alias in command.aliases { storage.aliases[alias] = command.name }
        }
    }

    /// Removes the command called `name`, if any.
    public func unregister(_ name: String) {
        storage.withLock { storage in
            guard let old = storage.commands.removeValue(forKey: name) else { return }
            for alias in old.aliases where storage.aliases[alias] == old.name { storage.aliases[alias] = nil }
        }
    }

    /// The command called `name` or having `name` as an alias.
    public func command(named name: String) -> ConsoleCommand? {
        storage.withLock { storage in
            if let command = storage.commands[name] { return command }
            return storage.aliases[name].flatMap { storage.commands[$0] }
        }
    }

    /// All commands sorted by name, hidden ones included.
    public var commands: [ConsoleCommand] {
        storage.withLock { Array($0.commands.values) }.sorted { $0.name < $1.name }
    }

    /// The closest visible command name to a mistyped `word`, for "did you mean" answers.
    ///
    /// A name within edit distance 2 (1 for words of up to 3 letters) wins, the closest first; otherwise the only
    /// command that starts with `word`.
    ///
    /// ```swift
    /// registry.suggestion(for: "pss")   // "ps"
    /// ```
    public func suggestion(for word: String) -> String? {
        let visible = commands.filter { !$0.isHidden }
        let limit = word.count <= 3 ? 1 : 2
        var best: (name: String, distance: Int)?
        for command in visible {
            for candidate in [command.name] + command.aliases {
                let distance = EditDistance.between(word, candidate)
                if distance <= limit, distance < (best?.distance ?? .max) { best = (command.name, distance) }
            }
        }
        if let best { return best.name }
        let prefixed = visible.filter { $0.name.hasPrefix(word) }
        return !word.isEmpty && prefixed.count == 1 ? prefixed[0].name : nil
    }

    /// Parses and runs one command line in text mode (`json <command>` switches to JSON).
    ///
    /// Never throws: errors come back as an ``ConsoleOutput/error(_:)`` answer. An empty line gives an empty
    /// output. The console calls it on a command thread for every line; tests and tools may call it directly.
    ///
    /// ```swift
    /// registry.execute(line: "pss").text   // "error: unknown command 'pss'. Did you mean 'ps'?"
    /// ```
    public func execute(
        line: String,
        session: ConsoleSessionInfo = ConsoleSessionInfo(id: 0, remoteAddress: "local")
    ) -> ConsoleOutput {
        let words: [String]
        do {
            words = try CommandLineTokenizer.split(line)
        } catch {
            return .error(Self.message(of: error))
        }
        return run(words: words, format: .text, session: session)
    }

    /// Runs a command given as words (name first) in the given format. Empty words give an empty output.
    ///
    /// ```swift
    /// let output = registry.run(words: ["ps", "Cache"], format: .json, session: invocation.session)
    /// ```
    public func run(words: [String], format: ConsoleInvocation.Format, session: ConsoleSessionInfo) -> ConsoleOutput {
        guard let name = words.first else { return ConsoleOutput(text: "") }
        guard let command = command(named: name) else {
            return .error(unknownCommandMessage(name))
        }
        let invocation = ConsoleInvocation(
            command: command.name,
            arguments: Array(words.dropFirst()),
            format: format,
            session: session,
            registry: self
        )
        do {
            return try command.handler(invocation)
        } catch {
            return .error(Self.message(of: error))
        }
    }

    /// `unknown command 'pss'. Did you mean 'ps'?`
    func unknownCommandMessage(_ name: String) -> String {
        if let suggestion = suggestion(for: name) {
            return "unknown command '\(name)'. Did you mean '\(suggestion)'?"
        }
        return "unknown command '\(name)'. Type 'help' for the list of commands."
    }

    static func message(of error: any Error) -> String {
        (error as? ConsoleError)?.message ?? String(describing: error)
    }
}
