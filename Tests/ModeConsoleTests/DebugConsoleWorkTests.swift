import Foundation
import Synchronization
import Testing

@testable import ModeConsole

/// Console work stays bounded whatever clients do (issue 15, item 2): a command whose client has gone is
/// not run, expensive commands are shared and run one at a time, `ps` does not wait behind them, and a
/// closed session frees its slot.
extension ConsoleOverTCP {
@Suite("Bounded work")
struct DebugConsoleWorkTests {
    /// A console with `dump <tag>`, an expensive command that counts its runs and blocks until the test
    /// opens `gate` once per run.
    final class Dump: Sendable {
        let runs = Mutex<[String]>([])
        let started = Gate()
        let gate = Gate()

        func register(in console: DebugConsole) {
            console.registry.register(
                ConsoleCommand(name: "dump", summary: "An expensive command", isExpensive: true) { invocation in
                    let tag = invocation.arguments.joined(separator: " ")
                    let run = self.runs.withLock { runs in
                        runs.append(tag)
                        return runs.count
                    }
                    self.started.open()
                    self.gate.wait()
                    return ConsoleOutput(text: "dump \(tag) run \(run)")
                })
        }
    }

    /// Waits (by polling state, with a deadline) until `condition` holds.
    private func eventually(_ what: String, _ condition: () -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw ConsoleTestClient.Failure(description: "never: \(what)") }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    @Test func commandsOfClientsThatLeftAreNeverRunAndPsAnswersMeanwhile() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let dump = Dump()
        dump.register(in: console)
        let port = try #require(console.port)

        let holder = try ConsoleTestClient(port: port)
        try holder.readBanner()
        holder.send("dump first\r\n")
        #expect(dump.started.wait())  // the expensive lane is busy until the gate opens
        let watcher = try ConsoleTestClient(port: port)
        try watcher.readBanner()

        // 100 clients, 14 at a time (16 slots minus the two above), each queue a distinct expensive command
        // behind the running one and then reset their connection.
        var psAnswers = 0
        for batch in stride(from: 0, to: 100, by: 14) {
            let clients = try (batch..<min(100, batch + 14)).map { index in
                let client = try ConsoleTestClient(port: port)
                try client.readBanner()
                client.send("dump \(index)\r\n")
                return client
            }
            try eventually("the batch is queued") { console.queuedCommands(.expensive) == clients.count }
            #expect(try watcher.command("ps").contains("| PageViewCache.poll |"))  // not queued behind the dumps
            psAnswers += 1
            for client in clients { client.reset() }
            try eventually("the batch's sessions are closed") { console.connectedClients == 2 }
            #expect(console.queuedCommands(.expensive) == 0)
        }
        #expect(psAnswers == 8)
        #expect(dump.runs.withLock { $0 } == ["first"])  // nothing has run but the first dump: it still blocks

        dump.gate.open()
        #expect(try holder.read(until: "\r\n" + ConsoleTestClient.prompt) == "dump first run 1")
        // The lane runs in order: once `dump last` has answered, anything queued before it would have run.
        dump.gate.open(count: 200)
        #expect(try holder.command("dump last") == "dump last run 2")
        #expect(dump.runs.withLock { $0 } == ["first", "last"])  // none of the 100 ran afterwards either
    }

    @Test func clientsAskingForTheSameExpensiveCommandShareOneRun() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let dump = Dump()
        dump.register(in: console)
        let port = try #require(console.port)

        let first = try ConsoleTestClient(port: port)
        try first.readBanner()
        first.send("dump a\r\n")
        #expect(dump.started.wait())
        // 7 clients join the running `dump a`; 7 more share one queued `dump b` (spacing does not matter:
        // the key is the command's name, arguments and format).
        let joiners = try (0..<7).map { _ in try ConsoleTestClient(port: port) }
        let queued = try (0..<7).map { _ in try ConsoleTestClient(port: port) }
        for client in joiners + queued { try client.readBanner() }
        for client in joiners { client.send("dump a\r\n") }
        for client in queued { client.send("dump   b\r\n") }
        try eventually("one `dump b` is queued for 7 clients") {
            console.queuedCommands(.expensive) == 1 && console.pendingCommands == 15
        }

        dump.gate.open(count: 2)
        for client in [first] + joiners {
            #expect(try client.read(until: "\r\n" + ConsoleTestClient.prompt) == "dump a run 1")
        }
        for client in queued {
            #expect(try client.read(until: "\r\n" + ConsoleTestClient.prompt) == "dump b run 2")
        }
        #expect(dump.runs.withLock { $0 } == ["a", "b"])
    }

    @Test func aSharedRunLeftByEveryClientIsCancelledAndItsAnswerDropped() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let cancelled = Mutex<Bool?>(nil)
        let started = Gate()
        let finish = Gate()
        let observed = Gate()
        console.registry.register(
            ConsoleCommand(name: "long", summary: "Runs until the test says", isExpensive: true) { invocation in
                started.open()
                finish.wait()
                cancelled.withLock { $0 = invocation.isCancelled }
                observed.open()
                return ConsoleOutput(text: "long done")
            })
        let port = try #require(console.port)
        let clients = try (0..<3).map { _ in try ConsoleTestClient(port: port) }
        for client in clients { try client.readBanner() }
        clients[0].send("long\r\n")
        #expect(started.wait())
        clients[1].send("long\r\n")
        clients[2].send("long\r\n")
        try eventually("three clients wait for one run") { console.pendingCommands == 3 }
        for client in clients { client.reset() }
        try eventually("the clients have gone") { console.connectedClients == 0 && console.pendingCommands == 0 }
        finish.open()
        #expect(observed.wait())
        #expect(cancelled.withLock { $0 } == true)

        let next = try ConsoleTestClient(port: port)
        try next.readBanner()
        #expect(try next.command("echo the lane is free") == "the lane is free")
    }

    @Test func closedSessionsFreeTheirSlotsAndTheLimitStillHolds() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let dump = Dump()
        dump.register(in: console)
        defer { dump.gate.open(count: 2) }
        let port = try #require(console.port)
        for round in 0..<3 {
            let clients = try (0..<16).map { _ in try ConsoleTestClient(port: port) }
            for client in clients { try client.readBanner() }
            #expect(console.connectedClients == 16)
            let extra = try ConsoleTestClient(port: port)
            #expect(try extra.readUntilClosed() == "error: too many console clients (max 16)\r\n")
            for (index, client) in clients.enumerated() { client.send("dump \(round)-\(index)\r\n") }
            for client in clients { client.reset() }
            try eventually("every session of round \(round) is closed") { console.connectedClients == 0 }
        }
        #expect(console.pendingCommands == 0)
        let survivor = try ConsoleTestClient(port: port)
        try survivor.readBanner()
        #expect(try survivor.command("echo in") == "in")
    }

    @Test func aCommandRejectsBadQuotingAsOneJSONDocumentInJSONMode() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        let answer = try client.command("json ps 'unterminated")
        let document = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
        #expect(document?["error"] as? String == "unterminated quote in command line")
        #expect(try client.command("ps 'unterminated") == "error: unterminated quote in command line")
    }
}
}
