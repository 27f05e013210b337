import Foundation
import ModeConsole
import Testing

/// Runs the `mode-console` executable (built next to this test bundle) against a real `DebugConsole`.
@Suite("mode-console client", .serialized)
struct ModeConsoleClientTests {
    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Run {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var executable = products.appendingPathComponent("mode-console")
        if !FileManager.default.fileExists(atPath: executable.path) {
            // `swift test` runs the bundle from <products>/<package>PackageTests.xctest on Linux.
            executable = products.deletingLastPathComponent().appendingPathComponent("mode-console")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var processEnvironment = ProcessInfo.processInfo.environment
        processEnvironment["MODE_CONSOLE_TOKEN"] = nil
        process.environment = processEnvironment.merging(environment) { $1 }
        let output = Pipe(), error = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self)
        )
    }

    static func startConsole(token: String? = nil) throws -> DebugConsole {
        let console = DebugConsole(configuration: .init(port: 0, authToken: token))
        console.registry.register(ConsoleCommand(name: "ps", summary: "List tasks", usage: "ps [filter]") { invocation in
            var table = ConsoleTable(columns: ["Task ID", "Name"])
            table.append(["1", "PageViewCache.poll"])
            if let filter = invocation.arguments.first { table.rows.removeAll { !$0[1].contains(filter) } }
            return .table(table, summary: "\(table.rows.count) tasks running")
        })
        try console.start()
        return console
    }

    @Test func runsOneCommandAndPrintsOnlyItsAnswer() throws {
        let console = try Self.startConsole()
        defer { try? console.shutdown() }
        let address = "127.0.0.1:\(try #require(console.port))"
        let run = try Self.run([address, "ps", "Page View"])
        #expect(run.status == 0)
        #expect(run.standardOutput == "0 tasks running\n+---------+------+\n| Task ID | Name |\n+---------+------+\n+---------+------+\n")

        let json = try Self.run(["--json", address, "ps"])
        #expect(json.status == 0)
        let document = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect((document?["rows"] as? [[String: String]])?.first?["name"] == "PageViewCache.poll")
    }

    @Test func errorAnswersAndUnreachableConsolesExitWithFailure() throws {
        let console = try Self.startConsole()
        let port = try #require(console.port)
        let unknown = try Self.run([":\(port)", "pss"])
        #expect(unknown.status == 1)
        #expect(unknown.standardOutput == "error: unknown command 'pss'. Did you mean 'ps'?\n")
        try console.shutdown()

        let refused = try Self.run([":\(port)", "ps"])
        #expect(refused.status == 1)
        #expect(refused.standardOutput.isEmpty)
        #expect(refused.standardError == "mode-console: cannot connect to 127.0.0.1:\(port): Connection refused\n")
    }

    @Test func authenticatesWithTheTokenFromTheEnvironmentOrOption() throws {
        let console = try Self.startConsole(token: "hunter2")
        defer { try? console.shutdown() }
        let address = "127.0.0.1:\(try #require(console.port))"
        let anonymous = try Self.run([address, "ps"])
        #expect(anonymous.status == 1)
        #expect(anonymous.standardOutput == "error: authentication required: send 'auth <token>'\n")
        #expect(try Self.run([address, "ps"], environment: ["MODE_CONSOLE_TOKEN": "hunter2"]).status == 0)
        #expect(try Self.run(["--token", "hunter2", address, "ps"]).standardOutput.hasPrefix("1 tasks running\n"))
        let wrong = try Self.run(["--token", "nope", address, "ps"])
        #expect(wrong.status == 1)
        #expect(wrong.standardError == "mode-console: error: authentication failed\n")
    }

    @Test func relaysStandardInputWhenNoCommandIsGiven() throws {
        let console = try Self.startConsole()
        defer { try? console.shutdown() }
        let run = try Self.run(["127.0.0.1:\(try #require(console.port))"], input: "ps\nexit\n")
        #expect(run.status == 0)
        #expect(run.standardOutput.contains("swift-mode debug console"))
        #expect(run.standardOutput.contains("| 1       | PageViewCache.poll |"))
        #expect(run.standardOutput.hasSuffix("mode> bye\r\n"))
    }
}
