import Foundation
import ModeConsole
import ModeTestKit
import Testing

/// Every test that talks to a console over TCP, serialized: some count clients, one blocks every thread of
/// the cooperative pool (and the blocking test clients would delay it).
@Suite("Debug console over TCP", .serialized)
enum ConsoleOverTCP {}

extension ConsoleOverTCP {
@Suite("Sessions and commands")
struct DebugConsoleTests {
    @Test func bannerAndPrompt() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        let banner = try client.readBanner()
        #expect(banner.contains("swift-mode debug console"))
        #expect(banner.hasSuffix("\r\n"))
        client.send("\r\n")
        #expect(try client.read(until: ConsoleTestClient.prompt) == "")  // an empty line just prompts again
    }

    #if os(Linux)
    @Test func theConsoleThreadsAreNamed() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        #expect(try client.command("echo run a command") == "run a command")  // names a command thread
        let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").map { tid in
            (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(names.contains("mode-console"))
        #expect(names.contains("mode-console-w"))
    }
    #endif

    @Test func helpListsCommandsAndExplainsOne() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        let help = try client.command("help")
        for name in ["help", "exit", "json", "echo", "ps", "Print the arguments"] {
            #expect(help.contains(name), "help lacks \(name): \(help)")
        }
        let echoHelp = try client.command("help e")
        #expect(echoHelp.contains("usage: echo [words...]"))
        #expect(echoHelp.contains("Prints its arguments separated by single spaces."))
        #expect(try client.command("help pss") == "error: unknown command 'pss'. Did you mean 'ps'?")
    }

    @Test func registeredCommandRunsWithQuotedArguments() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        #expect(try client.command("echo hello   'two words' \"x y\"") == "hello two words x y")
        let ps = try client.command("ps Cache")
        #expect(ps.contains("1 tasks running"))
        #expect(ps.contains("| PageViewCache.poll |"))
        #expect(!ps.contains("App.flush"))
        #expect(try client.command("table") == "error: usage: table <rows>")
    }

    @Test func unknownCommandSuggestsTheClosest() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        #expect(try client.command("pss") == "error: unknown command 'pss'. Did you mean 'ps'?")
        #expect(try client.command("ehco x") == "error: unknown command 'ehco'. Did you mean 'echo'?")
        #expect(try client.command("frobnicate").hasPrefix("error: unknown command 'frobnicate'. Type 'help'"))
    }

    @Test func jsonModeSendsOneParsableDocument() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()

        let ps = try JSONSerialization.jsonObject(with: Data(try client.command("json ps").utf8)) as? [String: Any]
        let rows = try #require(ps?["rows"] as? [[String: String]])
        #expect(rows.map { $0["name"] } == ["PageViewCache.poll", "App.flush"])
        #expect(rows.first?["task_id"] == "1")
        #expect(ps?["summary"] as? String == "2 tasks running")

        let echo = try JSONSerialization.jsonObject(with: Data(try client.command(#"json echo "a\"b" c"#).utf8))
        #expect((echo as? [String: Any])?["words"] as? [String] == ["a\"b", "c"])

        let unknown = try JSONSerialization.jsonObject(with: Data(try client.command("json pss").utf8))
        #expect((unknown as? [String: Any])?["error"] as? String == "unknown command 'pss'. Did you mean 'ps'?")

        let help = try JSONSerialization.jsonObject(with: Data(try client.command("json help").utf8))
        let commands = try #require((help as? [String: Any])?["commands"] as? [[String: Any]])
        #expect(commands.contains { $0["name"] as? String == "echo" })
    }

    @Test func exitCtrlDAndEOFCloseTheSession() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        for ending in ["exit\r\n", "quit\n", "\u{04}"] {
            let client = try ConsoleTestClient(port: port)
            try client.readBanner()
            client.send(ending)
            #expect(try client.readUntilClosed() == "bye\r\n", "ending \(ending.debugDescription)")
        }
    }

    @Test func endOfInputAnswersEverythingSentThenCloses() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        // What `printf 'echo piped\necho last' | nc 127.0.0.1 50101` does: lines, the last one unterminated, then EOF.
        client.send("echo piped\necho last")
        client.shutdownWrite()
        #expect(try client.readUntilClosed() == "piped\r\nmode> last\r\nmode> ")
    }

    @Test func aLineOfOneMebibyteIsRejectedAndTheSessionGoesOn() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        client.send(bytes: [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20) + Array("\r\n".utf8))
        #expect(try client.read(until: "\r\n" + ConsoleTestClient.prompt)
            == "error: line too long (max 4096 bytes); discarded")
        #expect(try client.command("echo still here") == "still here")
    }

    @Test func invalidUTF8IsReportedAndTheSessionGoesOn() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        client.send(bytes: [UInt8(ascii: "e"), 0xC3, 0x28, 0xFE] + Array("\r\n".utf8))
        #expect(try client.read(until: "\r\n" + ConsoleTestClient.prompt)
            == "error: the line is not valid UTF-8; discarded")
        #expect(try client.command("echo ok") == "ok")
    }

    @Test func randomBytesLeaveTheServerAnswering() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        var generator = SplitMix64(seed: 0x6D6F_6465)
        for _ in 0..<3 {
            let noisy = try ConsoleTestClient(port: port)
            let noise = (0..<10_000).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            noisy.send(bytes: noise)
            noisy.send(bytes: Array("\r\nexit\r\n".utf8))
            _ = try? noisy.readUntilClosed()  // it may have been closed by a random EOT or "exit"; either is fine
        }
        let client = try ConsoleTestClient(port: port)
        try client.readBanner()
        #expect(try client.command("echo alive") == "alive")
    }

    @Test func aTenThousandRowTableArrivesWholeInTextAndJSON() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        let text = try client.command("table 10000")
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        #expect(lines.count == 1 + 3 + 1 + 10_000)  // summary, three borders, header, rows
        #expect(lines.first == "10000 tasks running")
        #expect(lines.last?.hasPrefix("+---------+") == true)
        #expect(lines[4].hasPrefix("|       0 | running   | PageViewCache.task-0 "))

        let json = try JSONSerialization.jsonObject(with: Data(try client.command("json table 10000").utf8))
        let rows = try #require((json as? [String: Any])?["rows"] as? [[String: String]])
        #expect(rows.count == 10_000)
        #expect(rows.last?["name"] == "PageViewCache.task-9999")
    }

    @Test func startingTwiceOrOnABusyPortFailsWithACode() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        #expect { try console.start() } throws: { ($0 as? ConsoleError)?.code == .invalidState }
        let port = try #require(console.port)
        let second = DebugConsole(configuration: .init(port: port))
        #expect { try second.start() } throws: { ($0 as? ConsoleError)?.code == .bindFailed }
        let message = try #require(#expect(throws: ConsoleError.self) { try DebugConsole(configuration: .init(port: port)).start() })
            .message
        #expect(message == "cannot listen on 127.0.0.1:\(port): address already in use (errno \(EADDRINUSE))")
        try console.shutdown()
        try console.shutdown()  // idempotent
        #expect(throws: (any Error).self) { try ConsoleTestClient(port: port, timeout: 5) }
    }

    @Test func telnetNegotiationIsConsumed() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        // What a telnet client sends first: DO SUPPRESS-GO-AHEAD, WILL TERMINAL-TYPE, WILL NAWS, and a
        // NAWS subnegotiation (80x24); then a line with an IAC NOP inside and CR NUL at the end.
        let negotiation: [UInt8] = [255, 253, 3, 255, 251, 24, 255, 251, 31, 255, 250, 31, 0, 80, 0, 24, 255, 240]
        client.send(bytes: negotiation)
        try client.readBanner()
        client.send(bytes: Array("echo te".utf8) + [255, 241] + Array("lnet".utf8) + [13, 0])
        #expect(try client.read(until: "\r\n" + ConsoleTestClient.prompt) == "telnet")
        #expect(try client.command("echo after") == "after")
    }
}

}
