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
    /// Never throws: errors come back as an ``ConsoleOutput/error(_:)`` answer, as one JSON document when the
    /// line starts with `json` (even when the line cannot be parsed). An empty line gives an empty output.
    /// The console calls it on a command thread for every line; tests and tools may call it directly.
    ///
    /// ```swift
    /// registry.execute(line: "pss").text                  // "error: unknown command 'pss'. Did you mean 'ps'?"
    /// registry.execute(line: "json ps 'unterminated").text // {"error":"unterminated quote in command line"}
    /// ```
    public func execute(
        line: String,
        session: ConsoleSessionInfo = ConsoleSessionInfo(id: 0, remoteAddress: "local")
    ) -> ConsoleOutput {
        execute(line: line, session: session, cancellation: nil)
    }

    func execute(line: String, session: ConsoleSessionInfo, cancellation: ConsoleCancellation?) -> ConsoleOutput {
        let words: [String]
        do {
            words = try CommandLineTokenizer.split(line)
        } catch {
            let output = ConsoleOutput.error(Self.message(of: error))
            let first = line.split(whereSeparator: \.isWhitespace).first.map(String.init)
            guard let first, command(named: first)?.name == "json" else { return output }
            return ConsoleOutput(text: output.jsonDocument.rendered(), json: output.json, isError: true)
        }
        return run(words: words, format: .text, session: session, cancellation: cancellation)
    }

    /// Runs a command given as words (name first) in the given format. Empty words give an empty output.
    ///
    /// ```swift
    /// let output = registry.run(words: ["ps", "Cache"], format: .json, session: invocation.session)
    /// ```
    public func run(words: [String], format: ConsoleInvocation.Format, session: ConsoleSessionInfo) -> ConsoleOutput {
        run(words: words, format: format, session: session, cancellation: nil)
    }

    func run(
        words: [String], format: ConsoleInvocation.Format, session: ConsoleSessionInfo,
        cancellation: ConsoleCancellation?
    ) -> ConsoleOutput {
        guard let name = words.first else { return ConsoleOutput(text: "") }
        guard let command = command(named: name) else {
            return .error(unknownCommandMessage(name))
        }
        var invocation = ConsoleInvocation(
            command: command.name,
            arguments: Array(words.dropFirst()),
            format: format,
            session: session,
            registry: self
        )
        invocation.cancellation = cancellation
        do {
            return try command.handler(invocation)
        } catch {
            return .error(Self.message(of: error))
        }
    }

    /// Where a command line runs, and the key under which clients share an expensive command's answer:
    /// its canonical name, arguments and format (`json stacks` and `json st` share; `stacks` does not).
    func schedulingClass(of line: String) -> (lane: ConsoleLane, key: String?) {
        guard var words = try? CommandLineTokenizer.split(line) else { return (.ordinary, nil) }
        var format = ConsoleInvocation.Format.text
        while words.count > 1, command(named: words[0])?.name == "json" {
            words.removeFirst()
            format = .json
        }
        guard let name = words.first, let command = command(named: name), command.isExpensive else {
            return (.ordinary, nil)
        }
        let key = ([format == .json ? "json" : "text", command.name] + words.dropFirst()).joined(separator: "\u{0}")
        return (.expensive, key)
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
