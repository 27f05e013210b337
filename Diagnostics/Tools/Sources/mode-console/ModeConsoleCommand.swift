import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `mode-console [host:port] [command...]`: runs one debug-console command and prints its answer, or
/// relays stdin/stdout to the console when no command is given.
@main
struct ModeConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mode-console",
        abstract: "Talk to the debug console of a running swift-mode Worker.",
        discussion: """
            With a command, runs it, prints its answer without the banner and prompts, and exits with 1 when the \
            answer is an error. Without one, relays stdin and stdout to the console (like telnet or nc).

            Examples:
              mode-console ps
              mode-console 127.0.0.1:50101 where 42
              mode-console --json :50102 stats | python3 -m json.tool
              MODE_CONSOLE_TOKEN=... mode-console services
            """
    )

    @Flag(name: .long, help: "Print the answer as one JSON document (runs 'json <command>').")
    var json = false

    @Option(name: .long, help: "Send 'auth <token>' first (default: $MODE_CONSOLE_TOKEN).")
    var token: String?

    @Option(name: .long, help: "Seconds to wait to connect and for each answer.")
    var timeout = 30

    @Option(name: .long, help: "The console's prompt.")
    var prompt = "mode> "

    @Argument(
        parsing: .captureForPassthrough,
        help: "[host:port] then the command and its arguments (default address 127.0.0.1:50101)."
    )
    var words: [String] = []

    func run() throws {
        var words = self.words
        if words.first == "--help" || words.first == "-h" {  // captured by the passthrough argument
            print(Self.helpMessage())
            return
        }
        var address = ConsoleAddress()
        if let first = words.first, let parsed = ConsoleAddress(parsing: first) {
            address = parsed
            words.removeFirst()
        }
        let token = self.token ?? getenv("MODE_CONSOLE_TOKEN").map { String(cString: $0) }

        do {
            let connection = try ConsoleConnection(address: address, timeoutSeconds: timeout)
            guard let banner = try connection.read(until: prompt) else {
                throw ConsoleConnection.Failure(description: Self.firstLine(of: connection.remaining, or: "the console closed the connection"))
            }
            if let token, !token.isEmpty {
                try connection.send("auth \(token)\r\n")
                let answer = try connection.read(until: prompt)
                guard let answer, !answer.hasPrefix("error:") else {
                    let text = answer ?? connection.remaining
                    throw ConsoleConnection.Failure(description: Self.firstLine(of: text, or: "authentication failed"))
                }
            }
            if words.isEmpty {
                try relay(connection, greeting: (token == nil ? banner : "") + prompt)
            } else {
                let line = (json ? ["json"] : []) + words
                try runOnce(line.map(Self.quoted).joined(separator: " "), on: connection)
            }
        } catch let failure as ConsoleConnection.Failure {
            Self.printError("mode-console: \(failure.description)")
            throw ExitCode.failure
        }
    }

    /// Sends the command and `exit`, reads to the end, and prints the answer between the prompts.
    private func runOnce(_ line: String, on connection: ConsoleConnection) throws {
        try connection.send(line + "\r\nexit\r\n")
        var text = try connection.readToEnd()
        // Character counts: "\r\n" is one Character.
        if text.hasSuffix("bye\r\n") { text.removeLast("bye\r\n".count) }
        if text.hasSuffix(prompt) { text.removeLast(prompt.count) }
        let output = text.split(separator: "\r\n", omittingEmptySubsequences: false).joined(separator: "\n")
        print(output, terminator: output.isEmpty || output.hasSuffix("\n") ? "" : "\n")
        if output.hasPrefix("error:") || output.hasPrefix("{\"error\":") {
            throw ExitCode.failure
        }
    }

    /// Copies stdin to the console on a thread and the console to stdout here, until the console closes.
    private func relay(_ connection: ConsoleConnection, greeting: String) throws {
        Self.write(Array(greeting.utf8), to: STDOUT_FILENO)
        StdinPump(connection: connection).start()
        while try connection.relay({ Self.write($0, to: STDOUT_FILENO) }) {}
    }

    static func write(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Quotes a word for the console's shell-like splitting when it holds spaces or quotes.
    static func quoted(_ word: String) -> String {
        guard word.isEmpty || word.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" || $0 == "\\" }) else {
            return word
        }
        return "'" + word.replacingAll("'", with: "'\\''") + "'"
    }

    static func firstLine(of text: String, or fallback: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.isEmpty ? fallback : line
    }

    static func printError(_ message: String) {
        write(Array((message + "\n").utf8), to: STDERR_FILENO)
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
