extension ConsoleCommandRegistry {
    /// `help`, `exit` and `json`: the commands every console has.
    static var builtinCommands: [ConsoleCommand] {
        [helpCommand, exitCommand, jsonCommand]
    }

    private static var helpCommand: ConsoleCommand {
        ConsoleCommand(
            name: "help",
            aliases: ["?", "h"],
            summary: "List the commands, or show one command's usage and help",
            usage: "help [command]",
            help: "Without an argument, lists every command with a one-line summary.\n"
                + "With a command name (or alias), prints its usage, aliases and help."
        ) { invocation in
            let registry = invocation.registry
            guard let name = invocation.arguments.first else { return registry.helpList() }
            guard let command = registry.command(named: name) else {
                return .error(registry.unknownCommandMessage(name))
            }
            var text = "usage: \(command.usage)\n"
            if !command.aliases.isEmpty { text += "aliases: \(command.aliases.joined(separator: ", "))\n" }
            text += "\n\(command.summary)\n"
            if !command.help.isEmpty { text += "\n\(command.help)\n" }
            return ConsoleOutput(
                text: text,
                json: [
                    "name": .string(command.name),
                    "aliases": .array(command.aliases.map(JSONValue.string)),
                    "summary": .string(command.summary),
                    "usage": .string(command.usage),
                    "help": .string(command.help),
                ]
            )
        }
    }

    private static var exitCommand: ConsoleCommand {
        ConsoleCommand(
            name: "exit",
            aliases: ["quit", "q"],
            summary: "Close this console session",
            usage: "exit",
            help: "Ends the session; the process keeps running. Ctrl-D (EOT) on an empty line does the same."
        ) { _ in
            ConsoleOutput(text: "bye", json: ["bye": true], closesSession: true)
        }
    }

    private static var jsonCommand: ConsoleCommand {
        ConsoleCommand(
            name: "json",
            summary: "Run a command and print its result as one JSON document",
            usage: "json <command> [arguments...]",
            help: "Runs the command in JSON mode and prints exactly one JSON document on one line, for scripts.\n"
                + "Errors are printed as {\"error\": \"...\"}.\nExample: json ps"
        ) { invocation in
            guard !invocation.arguments.isEmpty else {
                let output = ConsoleOutput.error("usage: json <command> [arguments...]")
                return ConsoleOutput(text: output.jsonDocument.rendered(), json: output.json, isError: true)
            }
            let inner = invocation.registry.run(
                words: invocation.arguments,
                format: .json,
                session: invocation.session,
                cancellation: invocation.cancellation
            )
            let document = inner.jsonDocument
            return ConsoleOutput(
                text: document.rendered(),
                json: document,
                isError: inner.isError,
                closesSession: inner.closesSession
            )
        }
    }

    /// The `help` list: one line per visible command, names aligned.
    func helpList() -> ConsoleOutput {
        let visible = commands.filter { !$0.isHidden }
        let labels = visible.map { command in
            command.aliases.isEmpty ? command.name : "\(command.name) (\(command.aliases.joined(separator: ", ")))"
        }
        let width = labels.map(\.count).max() ?? 0
        var text = "Commands:\n"
        for (label, command) in zip(labels, visible) {
            text += "  " + label + String(repeating: " ", count: width - label.count + 2) + command.summary + "\n"
        }
        text += "Type 'help <command>' for details, 'json <command>' for JSON."
        let json: JSONValue = .array(
            visible.map { command in
                [
                    "name": .string(command.name),
                    "aliases": .array(command.aliases.map(JSONValue.string)),
                    "summary": .string(command.summary),
                    "usage": .string(command.usage),
                ]
            }
        )
        return ConsoleOutput(text: text, json: ["commands": json])
    }
}
