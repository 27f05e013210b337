import ArgumentParser
import Logging
import ModeWorker
import Testing

@Suite("WorkerOptions")
struct WorkerOptionsTests {
    private func resolve(_ arguments: [String], _ environment: [String: String] = [:]) throws -> ResolvedWorkerOptions {
        try WorkerOptions.$throwsValidationErrors.withValue(true) { try WorkerOptions.parse(arguments) }
            .resolved(environment: environment)
    }

    /// The error thrown by parsing + resolving, with its message and exit code.
    private func failure(_ arguments: [String], _ environment: [String: String] = [:]) -> (String, Int32)? {
        do {
            _ = try resolve(arguments, environment)
            return nil
        } catch {
            return (WorkerOptions.message(for: error), WorkerOptions.exitCode(for: error).rawValue)
        }
    }

    @Test func defaults() throws {
        let options = try resolve([])
        #expect(options == ResolvedWorkerOptions())
        #expect(options.logLevel == .info)
        #expect(options.logFile == nil)
        #expect(options.logFormat == .text)
        #expect(options.blockingTimeout == nil)
        #expect(options.consoleEnabled)
        #expect(options.consolePort == 50101)
        #expect(options.consoleHost == "127.0.0.1")
        #expect(options.debug == false && options.quiet == false)
        #expect(options.shutdownTimeout == .seconds(60))
        #expect(options.executorInstrumentation == .hooks)
        #expect(options.httpPort == nil, "the HTTP endpoint is off unless a port is given")
        #expect(options.httpHost == "127.0.0.1")
        #expect(options.readyStallLimit == nil)
        #expect(options.bootstrapsMetrics == false)
    }

    @Test func httpFlagsAndVariables() throws {
        let flags = try resolve(["--http-port", "0", "--http-host", "0.0.0.0", "--ready-stall-limit", "1.5"])
        #expect(flags.httpPort == 0)
        #expect(flags.httpHost == "0.0.0.0")
        #expect(flags.readyStallLimit == .milliseconds(1500))
        let variables = try resolve(
            [], ["MODE_HTTP_PORT": "9090", "MODE_HTTP_HOST": "::1", "MODE_READY_STALL_LIMIT": "20"])
        #expect(variables.httpPort == 9090)
        #expect(variables.httpHost == "::1")
        #expect(variables.readyStallLimit == .seconds(20))
        let both = try resolve(["--http-port", "8080"], ["MODE_HTTP_PORT": "9090"])
        #expect(both.httpPort == 8080)
    }

    @Test func everyFlag() throws {
        let options = try resolve([
            "--loglevel", "WARN", "--logfile", "/tmp/x.log", "--log-format", "json", "--blocking-timeout", "2.5",
            "--console-port", "0", "--console-host", "0.0.0.0", "--no-console", "--debug", "--quiet",
            "--shutdown-timeout", "0.25", "--executor-instrumentation", "Executor",
        ])
        #expect(options.executorInstrumentation == .executor)
        #expect(options.logLevel == .warning)
        #expect(options.logFile == "/tmp/x.log")
        #expect(options.logFormat == .json)
        #expect(options.blockingTimeout == .milliseconds(2500))
        #expect(options.consolePort == 0)
        #expect(options.consoleHost == "0.0.0.0")
        #expect(options.consoleEnabled == false)
        #expect(options.debug && options.quiet)
        #expect(options.shutdownTimeout == .milliseconds(250))
    }

    @Test func everyEnvironmentVariable() throws {
        let options = try resolve(
            [],
            [
                "MODE_LOGLEVEL": "debug", "MODE_LOGFILE": "/var/log/a.log", "MODE_LOG_FORMAT": "JSON",
                "MODE_BLOCKING_TIMEOUT": "0", "MODE_CONSOLE_PORT": "6000", "MODE_CONSOLE_HOST": "::1",
                "MODE_CONSOLE": "off", "MODE_DEBUG": "1", "MODE_QUIET": "yes", "MODE_SHUTDOWN_TIMEOUT": "5",
                "MODE_EXECUTOR_INSTRUMENTATION": " off ",
            ])
        #expect(options.executorInstrumentation == .off)
        #expect(options.logLevel == .debug)
        #expect(options.logFile == "/var/log/a.log")
        #expect(options.logFormat == .json)
        #expect(options.blockingTimeout == .zero)
        #expect(options.consolePort == 6000)
        #expect(options.consoleHost == "::1")
        #expect(options.consoleEnabled == false)
        #expect(options.debug && options.quiet)
        #expect(options.shutdownTimeout == .seconds(5))
    }

    @Test func flagWinsOverEnvironment() throws {
        let options = try resolve(
            ["--loglevel", "error", "--console-port", "7000", "--no-debug", "--console"],
            ["MODE_LOGLEVEL": "debug", "MODE_CONSOLE_PORT": "6000", "MODE_DEBUG": "true", "MODE_CONSOLE": "0"])
        #expect(options.logLevel == .error)
        #expect(options.consolePort == 7000)
        #expect(options.debug == false)
        #expect(options.consoleEnabled == true)
    }

    @Test func aValidFlagHidesABadVariable() throws {
        // The flag wins, so the variable is never consulted.
        let options = try resolve(["--loglevel", "info"], ["MODE_LOGLEVEL": "nonsense"])
        #expect(options.logLevel == .info)
    }

    @Test(arguments: [
        (["--loglevel", "nonsense"], "--loglevel: invalid value 'nonsense'"),
        (["--log-format", "xml"], "--log-format: invalid value 'xml' (accepted: text, json)"),
        (["--blocking-timeout", "-1"], "--blocking-timeout: invalid value '-1'"),
        (["--blocking-timeout", "nan"], "--blocking-timeout: invalid value 'nan'"),
        (["--console-port", "70000"], "--console-port: invalid value '70000'"),
        (["--console-port", "http"], "--console-port: invalid value 'http'"),
        (["--shutdown-timeout", "0"], "--shutdown-timeout: invalid value '0' (accepted: a number of seconds > 0)"),
        (["--console-host", " "], "--console-host: invalid value ' '"),
        (["--http-port", "65536"], "--http-port: invalid value '65536' (accepted: a port number 0...65535"),
        (["--http-host", ""], "--http-host: invalid value ''"),
        (["--ready-stall-limit", "0"], "--ready-stall-limit: invalid value '0' (accepted: a number of seconds > 0)"),
        (
            ["--executor-instrumentation", "fast"],
            "--executor-instrumentation: invalid value 'fast' (accepted: hooks, executor, off)"
        ),
    ])
    func badFlagIsAOneLineUsageError(arguments: [String], expected: String) throws {
        let (message, code) = try #require(failure(arguments))
        #expect(message.hasPrefix(expected))
        #expect(message.contains("\n") == false)
        #expect(code == 64)
    }

    @Test func badLogLevelNamesTheAcceptedValues() throws {
        let (message, _) = try #require(failure(["--loglevel", "nonsense"]))
        #expect(
            message
                == "--loglevel: invalid value 'nonsense' (accepted: trace, debug, info, notice, warning (or warn), error, critical)"
        )
    }

    @Test(arguments: [
        ("MODE_LOGLEVEL", "loud"), ("MODE_LOG_FORMAT", "yaml"), ("MODE_BLOCKING_TIMEOUT", "soon"),
        ("MODE_CONSOLE_PORT", "-1"), ("MODE_SHUTDOWN_TIMEOUT", "-3"), ("MODE_DEBUG", "maybe"),
        ("MODE_QUIET", "2"), ("MODE_CONSOLE", "sometimes"), ("MODE_HTTP_PORT", "off"),
        ("MODE_READY_STALL_LIMIT", "-1"),
    ])
    func badVariableNamesTheVariable(variable: String, value: String) throws {
        let (message, code) = try #require(failure([], [variable: value]))
        #expect(message.hasPrefix("\(variable): invalid value '\(value)' (accepted: "))
        #expect(message.contains("\n") == false)
        #expect(code == 64)
    }

    @Test func unknownFlagIsAUsageError() throws {
        let (message, code) = try #require(failure(["--frobnicate"]))
        #expect(message.contains("--frobnicate"))
        #expect(code == 64)
    }

    @Test func helpDocumentsEveryEnvironmentVariable() {
        let help = WorkerOptions.helpMessage(columns: 200)
        for variable in [
            "MODE_LOGLEVEL", "MODE_LOGFILE", "MODE_LOG_FORMAT", "MODE_BLOCKING_TIMEOUT", "MODE_CONSOLE_PORT",
            "MODE_CONSOLE_HOST", "MODE_CONSOLE", "MODE_DEBUG", "MODE_QUIET", "MODE_SHUTDOWN_TIMEOUT",
            "MODE_HTTP_PORT", "MODE_HTTP_HOST", "MODE_READY_STALL_LIMIT",
        ] {
            #expect(help.contains(variable), "help does not mention \(variable)")
        }
        #expect(help.contains("--loglevel <level>"))
        #expect(help.contains("--no-console"))
    }

    @Test func embedsInACommand() throws {
        let command = try EmbeddingCommand.parse(["--name", "x", "--loglevel", "debug"])
        #expect(command.name == "x")
        #expect(try command.worker.resolved(environment: [:]).logLevel == .debug)
    }

    @Test func parseOrExitExitsWith64AndOneLine() async {
        let result = await #expect(processExitsWith: .exitCode(64), observing: [\.standardErrorContent]) {
            _ = WorkerOptions.parseOrExit(arguments: ["--loglevel", "nonsense"], environment: [:])
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.hasPrefix("Error: --loglevel: invalid value 'nonsense' (accepted: "))
        #expect(stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func parseOrExitReturnsResolvedOptions() {
        let options = WorkerOptions.parseOrExit(arguments: ["--quiet"], environment: ["MODE_LOGLEVEL": "trace"])
        #expect(options.quiet)
        #expect(options.logLevel == .trace)
    }
}

private struct EmbeddingCommand: ParsableCommand {
    @Option var name: String
    @OptionGroup var worker: WorkerOptions
}

/// The README's pattern as a real process: an `AsyncParsableCommand` embedding `@OptionGroup WorkerOptions`
/// (Tests/Fixtures/ModeWorkerCommandFixture) reports a bad value in one line and exits 64.
@Suite("WorkerOptions in a command (child process)")
struct WorkerOptionsCommandTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> (exit: ChildWorker.Exit, output: String)
    {
        let child = try ChildWorker(executable: "ModeWorkerCommandFixture", arguments: arguments, environment: environment)
        let exit = try await child.waitForExit()
        return (exit, child.output)
    }

    @Test("a bad flag value: one line naming the flag and the accepted values, exit 64", arguments: [
        (["--loglevel", "nonsense"], "Error: --loglevel: invalid value 'nonsense' (accepted: trace, debug"),
        (["--blocking-timeout", "-1"], "Error: --blocking-timeout: invalid value '-1' (accepted: "),
        (["--port", "1", "--console-port", "70000"], "Error: --console-port: invalid value '70000' (accepted: "),
    ])
    func badFlag(arguments: [String], prefix: String) async throws {
        let (exit, output) = try await Self.run(arguments + ["--no-console"])
        #expect(exit.status == 64 && !exit.signalled, "\(exit): \(output)")
        #expect(output.hasPrefix(prefix), "\(output)")
        #expect(output.filter { $0 == "\n" }.count == 1, "\(output)")
    }

    @Test("a bad MODE_* variable: one line naming the variable, exit 64")
    func badVariable() async throws {
        let (exit, output) = try await Self.run(["--no-console"], environment: ["MODE_SHUTDOWN_TIMEOUT": "0"])
        #expect(exit.status == 64 && !exit.signalled, "\(exit): \(output)")
        #expect(output.hasPrefix("Error: MODE_SHUTDOWN_TIMEOUT: invalid value '0' (accepted: "), "\(output)")
        #expect(output.filter { $0 == "\n" }.count == 1, "\(output)")
    }

    @Test("good options run the Worker, which the fixture stops at once (exit 0)")
    func goodOptions() async throws {
        let (exit, output) = try await Self.run(["--no-console", "--quiet", "--loglevel", "error", "--port", "1"])
        #expect(exit.status == 0 && !exit.signalled, "\(exit): \(output)")
    }
}
