import Foundation
import Testing

/// The debug console of a running Worker, over a real TCP socket.
@Suite("Worker debug console", .serialized)
struct WorkerConsoleTests {
    /// Starts a fixture with the console on an ephemeral port; returns the child and the port.
    func startWorker(_ scenario: String = "clean", _ extra: [String] = []) async throws -> (ChildWorker, Int) {
        let child = try ChildWorker(scenario, ["--console-port", "0", "--blocking-timeout", "0"] + extra)
        let output = try await child.waitForOutput("the console's port") {
            $0.range(of: #"telnet 127\.0\.0\.1 (\d+)\)"#, options: .regularExpression) != nil
        }
        let match = try #require(output.range(of: #"telnet 127\.0\.0\.1 (\d+)\)"#, options: .regularExpression))
        let port = try #require(Int(output[match].dropFirst("telnet 127.0.0.1 ".count).dropLast()))
        return (child, port)
    }

    func stop(_ child: ChildWorker) async throws {
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0, "\(exit)\n\(child.output)")
    }

    @Test("banner, prompt, help, ps, where, cancel, services, json ps, suggestions")
    func commands() async throws {
        let (child, port) = try await startWorker()
        try await child.waitFor("[^--PageViewCache]: Starting...")
        let client = try ConsoleClient(port: port)
        let banner = try await client.readUntilPrompt()
        #expect(banner.contains("swift-mode debug console"))

        let help = try await client.command("help")
        for command in ["ps", "where", "cancel", "services", "graph", "restart", "stop", "threads", "stacks", "stalls",
                        "loglevel", "stats", "json"] {
            #expect(help.contains(command), "help lacks \(command)")
        }

        let ps = try await client.command("ps")
        let row = try #require(ps.split(separator: "\n").first { $0.contains("PageViewCache.poll") }, "\(ps)")
        #expect(row.contains("Worker/AppService/PageViewCache"))
        #expect(row.contains("ModeWorkerFixture/Scenario.swift:"))
        let id = try #require(row.split(separator: "|").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) })

        let whereText = try await client.command("where \(id)")
        #expect(whereText.contains("Task #\(id) PageViewCache.poll"))
        #expect(whereText.contains("service:    Worker/AppService/PageViewCache"))
        // Its executor figures (issue 16): without a blocking timeout nothing is instrumented.
        #expect(whereText.contains("jobs:       not measured (executors are not instrumented"), "\(whereText)")

        let jsonText = try await client.command("json ps")
        let json = try JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [String: Any]
        let tasks = try #require(json?["tasks"] as? [[String: Any]])
        #expect(tasks.contains { $0["name"] as? String == "PageViewCache.poll" && $0["id"] as? Int == id })

        let cancel = try await client.command("cancel \(id)")
        #expect(cancel.contains("cancelled task #\(id) PageViewCache.poll"))
        // Cancellation is asynchronous: ask again until the task has ended (each query is a round trip).
        var finished = ""
        for _ in 0..<2000 where !finished.contains("cancelled") {
            finished = try await client.command("ps -t PageViewCache.poll")
        }
        #expect(finished.contains("cancelled"), "\(finished)")

        let services = try await client.command("services")
        #expect(services.contains("Worker"))
        #expect(services.contains("    PageViewCache"))
        #expect(services.contains("running"))
        let graph = try await client.command("graph")
        #expect(graph.hasPrefix("digraph dependencies {"))

        let unknown = try await client.command("pss")
        #expect(unknown.contains("unknown command 'pss'"))
        #expect(unknown.contains("Did you mean 'ps'?"))

        let level = try await client.command("loglevel debug")
        #expect(level.contains("info -> debug"))
        try await child.waitFor("Log level changed from info to debug")

        let stats = try await client.command("stats")
        #expect(stats.contains("services:  4"))

        _ = try await client.send(Array("quit\r\n".utf8))
        try await stop(child)
    }

    @Test("with a blocking timeout, where shows an actor service task's runs and no fallback notice")
    func whereMeasuresAnActorsTask() async throws {
        let (child, port) = try await startWorker("clean", ["--blocking-timeout", "10"])
        try await child.waitFor("[^--PageViewCache]: Starting...")
        let client = try ConsoleClient(port: port)
        _ = try await client.readUntilPrompt()
        var ps = ""
        for _ in 0..<600 where !ps.contains("PageViewCache.poll") {
            ps = try await client.command("ps")
            if !ps.contains("PageViewCache.poll") { try await Task.sleep(for: .milliseconds(50)) }
        }
        let row = try #require(ps.split(separator: "\n").first { $0.contains("PageViewCache.poll") }, "\(ps)")
        let id = try #require(row.split(separator: "|").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        // The poll task of the actor service runs once a second: its runs are counted as they come.
        var whereText = ""
        for _ in 0..<600 where whereText.firstMatch(of: #/jobs:       [2-9][0-9]* run/#) == nil {
            whereText = try await client.command("where \(id)")
            if whereText.firstMatch(of: #/jobs:       [2-9][0-9]* run/#) == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(whereText.contains(#/jobs:       [2-9][0-9]* run, busy [0-9]+ ms/#), "\(whereText)")
        #expect(whereText.contains(#/last ran:   [0-9.]+ s ago/#), "\(whereText)")
        #expect(!child.output.contains("Per-task figures count executor jobs only"), "\(child.output)")
        try await stop(child)
    }

    @Test("stacks shows the watchdog and executor threads with frames")
    func stacks() async throws {
        let (child, port) = try await startWorker(
            "clean", ["--blocking-timeout", "5", "--executor-instrumentation", "executor"])
        let client = try ConsoleClient(port: port)
        _ = try await client.readUntilPrompt()
        let stacks = try await client.command("stacks")
        #expect(stacks.contains("mode-watchdog"), "\(stacks.prefix(2000))")
        #expect(stacks.contains("mode-exec-0"))
        #expect(stacks.contains("InstrumentedTaskExecutor"))
        let threads = try await client.command("threads")
        #expect(threads.contains("mode-console"))
        try await stop(child)
    }

    @Test("garbage input, IAC sequences, a 1 MiB line and excess connections leave the console and the Worker unharmed")
    func garbage() async throws {
        let (child, port) = try await startWorker()
        let noisy = try ConsoleClient(port: port)
        _ = try await noisy.readUntilPrompt()
        // Telnet negotiation: IAC WILL ECHO, IAC DO SUPPRESS-GO-AHEAD, IAC SB ... IAC SE, then a command.
        try await noisy.send([255, 251, 1, 255, 253, 3, 255, 250, 24, 1, 255, 240] + Array("stats\r\n".utf8))
        let afterIAC = try await noisy.readUntilPrompt()
        #expect(afterIAC.contains("uptime:"), "\(afterIAC)")
        let longLine = try await noisy.command(String(repeating: "x", count: 1 << 20))
        #expect(longLine.contains("line too long"))
        var generator = SystemRandomNumberGenerator()
        let random = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let junk = try ConsoleClient(port: port)
        _ = try await junk.readUntilPrompt()
        try await junk.send(random)

        var extra: [ConsoleClient] = []
        for _ in 0..<40 { extra.append(try ConsoleClient(port: port, timeoutSeconds: 5)) }
        let rejected = try await extra.last!.readToEnd()
        #expect(rejected.contains("too many console clients"), "\(rejected)")
        extra.removeAll()

        let fresh = try await retryingClient(port: port)
        let ps = try await fresh.command("ps")
        #expect(ps.contains("PageViewCache.poll"))
        try await stop(child)
    }

    @Test("the console answers stacks while every executor thread is blocked")
    func answersWhileBlocked() async throws {
        let (child, port) = try await startWorker("block-all")
        try await child.waitFor("blocker 0 blocking")
        try await child.waitFor("blocker 1 blocking")
        let client = try ConsoleClient(port: port)
        _ = try await client.readUntilPrompt()
        let stacks = try await client.command("stacks")
        #expect(stacks.contains("blockingWork"), "\(stacks.prefix(3000))")
        let ps = try await client.command("ps blocker")
        #expect(ps.contains("running"))
        child.signal(SIGKILL)
        _ = try await child.waitForExit()
    }

    @Test("100 clients that send stacks and leave do not delay ps")
    func stacksOfClientsThatLeft() async throws {
        let (child, port) = try await startWorker()
        let watcher = try ConsoleClient(port: port)
        _ = try await watcher.readUntilPrompt()

        // 100 clients, 14 at a time (16 slots minus the watcher and `patient`), send `stacks` and reset.
        for batch in stride(from: 0, to: 100, by: 14) {
            var clients: [ConsoleClient] = []
            for _ in batch..<min(100, batch + 14) {
                let client = try ConsoleClient(port: port)
                _ = try await client.readUntilPrompt()
                try await client.send(Array("stacks\r\n".utf8))
                clients.append(client)
            }
            for client in clients { try await client.reset() }
        }
        // `patient` asks for stacks and waits; then the watcher asks for ps. Before this fix ps queued behind
        // every dump the 100 clients had asked for (about a second each in a debug build), after `patient`'s.
        let patient = try ConsoleClient(port: port)
        _ = try await patient.readUntilPrompt()
        try await patient.send(Array("stacks\r\n".utf8))
        let started = ContinuousClock.now
        async let stacks = patient.readUntilPrompt()
        let ps = try await watcher.command("ps")
        let psTook = started.duration(to: .now)
        let stacksAnswer = try await stacks
        let stacksTook = started.duration(to: .now)
        #expect(ps.contains("PageViewCache.poll"))
        #expect(stacksAnswer.contains("mode-console-x"), "\(stacksAnswer.prefix(2000))")  // the dump's own thread
        #expect(psTook < stacksTook, "ps \(psTook), stacks \(stacksTook)")  // ps did not wait for a dump
        print("ps answered in \(psTook) while a stack dump took \(stacksTook)")
        try await stop(child)
    }

    @Test("a console port in use is reported in one clean line")
    func portInUse() async throws {
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(holder, pointer, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, pointer, &length) == 0
            }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let child = try ChildWorker("clean", ["--console-port", "\(port)", "--blocking-timeout", "0"])
        let expected = "Debug console is off: cannot listen on 127.0.0.1:\(port): address already in use (errno \(EADDRINUSE))"
        let output = try await child.waitFor(expected)
        #expect(!output.contains(") (errno"))
        try await child.waitFor("[^--PageViewCache]: Starting...")  // the Worker runs without its console
        try await stop(child)
    }

    /// Connects, retrying while the server is still closing the rejected connections.
    func retryingClient(port: Int) async throws -> ConsoleClient {
        for _ in 0..<100 {
            let client = try ConsoleClient(port: port)
            let banner = try await client.readUntilPrompt()
            if banner.contains("swift-mode debug console") { return client }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ConsoleClient.Failure(description: "the console never accepted a new client")
    }
}
