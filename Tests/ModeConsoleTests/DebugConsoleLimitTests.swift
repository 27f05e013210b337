import Foundation
import ModeConsole
import Synchronization
import Testing

/// Limits and robustness over a real TCP socket: client limit, authentication, slow commands, slow
/// readers, idle sessions, and a blocked cooperative pool.
extension ConsoleOverTCP {
@Suite("Limits")
struct DebugConsoleLimitTests {
    @Test func twoHundredConnectionsBeyondTheLimitAreRejectedWhileClientsAreServed() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        var held: [ConsoleTestClient] = []
        for _ in 0..<16 {
            let client = try ConsoleTestClient(port: port)
            try client.readBanner()
            held.append(client)
        }
        #expect(console.connectedClients == 16)
        for attempt in 0..<200 {
            let extra = try ConsoleTestClient(port: port)
            #expect(try extra.readUntilClosed() == "error: too many console clients (max 16)\r\n")
            if attempt % 50 == 0 { #expect(try held[attempt % 16].command("echo \(attempt)") == "\(attempt)") }
        }
        #expect(try held[15].command("echo still served") == "still served")

        held.removeLast()  // closes one session; a new client gets in once the server has seen it go
        let deadline = ContinuousClock.now + .seconds(30)
        while console.connectedClients > 15 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
        let newcomer = try ConsoleTestClient(port: port)
        #expect(try newcomer.readBanner().contains("swift-mode debug console"))
        #expect(try newcomer.command("echo in") == "in")
    }

    @Test func authenticationIsRequiredAcceptedAndRejected() throws {
        let console = try ConsoleFixture.start { $0.authToken = "s3cret-token" }
        defer { try? console.shutdown() }
        let port = try #require(console.port)

        let client = try ConsoleTestClient(port: port)
        #expect(try client.readBanner().contains("Authentication required: send 'auth <token>' within 30.0 s."))
        #expect(try client.command("echo hi") == "error: authentication required: send 'auth <token>'")
        #expect(try client.command("json echo hi") == #"{"error":"authentication required: send 'auth <token>'"}"#)
        #expect(try client.command("auth wrong") == "error: authentication failed")
        #expect(try client.command("auth s3cret-token") == "ok: authenticated")
        #expect(try client.command("echo hi") == "hi")

        let intruder = try ConsoleTestClient(port: port)
        try intruder.readBanner()
        #expect(try intruder.command("auth a") == "error: authentication failed")
        #expect(try intruder.command("auth s3cret-tokem") == "error: authentication failed")
        intruder.send("auth s3cret-token-and-more\r\n")
        #expect(try intruder.readUntilClosed()
            == "error: authentication failed; too many failures, closing the session\r\n")
        #expect(try client.command("echo still") == "still")
    }

    @Test func aSlowCommandDoesNotBlockAnotherClient() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let gate = Gate()
        let started = Gate()
        console.registry.register(ConsoleCommand(name: "slow", summary: "Wait for the test") { _ in
            started.open()
            gate.wait()
            return ConsoleOutput(text: "slow done")
        })
        let port = try #require(console.port)
        let slow = try ConsoleTestClient(port: port)
        try slow.readBanner()
        slow.send("slow\r\n")
        #expect(started.wait())

        let other = try ConsoleTestClient(port: port)
        try other.readBanner()
        #expect(try other.command("echo not blocked") == "not blocked")
        #expect(try other.command("help").contains("slow"))

        gate.open()
        #expect(try slow.read(until: "\r\n" + ConsoleTestClient.prompt) == "slow done")
    }

    @Test(arguments: [false, true])
    func shutdownClosesSessionsAndDoesNotHangOnAStuckCommand(async: Bool) async throws {
        let console = try ConsoleFixture.start()
        let gate = Gate()
        let started = Gate()
        defer { gate.open() }  // lets the stuck handler's thread finish after the test
        console.registry.register(ConsoleCommand(name: "stuck", summary: "Block until the test ends") { _ in
            started.open()
            gate.wait()
            return ConsoleOutput(text: "unstuck")
        })
        let port = try #require(console.port)
        let stuck = try ConsoleTestClient(port: port)
        try stuck.readBanner()
        let idle = try ConsoleTestClient(port: port)
        try idle.readBanner()
        stuck.send("stuck\r\n")
        #expect(started.wait())

        if async {
            try await console.shutdownGracefully(commandDeadline: .milliseconds(50))
        } else {
            try console.shutdown(commandDeadline: .milliseconds(50))
        }
        #expect(try idle.readUntilClosed() == "")
        #expect(try stuck.readUntilClosed() == "")
        #expect(throws: (any Error).self) { try ConsoleTestClient(port: port, timeout: 5) }
    }

    @Test func theConsoleAnswersWhileEveryCooperativeThreadIsBlocked() async throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        let width = ProcessInfo.processInfo.activeProcessorCount
        // Another suite may hold a cooperative thread for a while (a test of the stall watchdog blocks one on
        // purpose, waiting for its report, which needs the pool). Blocking the rest would starve that test and
        // this one until a 60 s timeout: so the blockers give way after 250 ms when not all of them could
        // start (they start within microseconds on a free pool), and the test tries again after a pause long
        // enough for the other suites to run meanwhile.
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let release = Gate()
            let blocked = Gate()
            let blockers = (0..<width).map { _ in
                Task.detached {
                    blocked.open()
                    release.wait()  // deliberately blocks a cooperative thread until the test releases it
                }
            }
            // The checks run on a plain thread: no cooperative thread is free until the blockers are released.
            let answer: Result<String, any Error>? = await withCheckedContinuation { continuation in
                Thread {
                    var ready = true
                    for _ in 0..<width where ready { ready = blocked.wait(timeout: .milliseconds(250)) }
                    let result: Result<String, any Error>? = ready ? Result {
                        let client = try ConsoleTestClient(port: port)
                        try client.readBanner()
                        return try client.command("echo answered while the pool is blocked")
                    } : nil
                    release.open(count: width)
                    continuation.resume(returning: result)
                }.start()
            }
            for blocker in blockers { await blocker.value }
            if let answer {
                #expect(try answer.get() == "answered while the pool is blocked")
                return
            }
            guard ContinuousClock.now < deadline else {
                Issue.record("the \(width) blockers never all held a cooperative thread at once within 120 s")
                return
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    @Test func anIdleSessionIsClosedWithAMessage() throws {
        let console = try ConsoleFixture.start { $0.idleTimeout = .milliseconds(200) }
        defer { try? console.shutdown() }
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        let farewell = try client.readUntilClosed()
        #expect(farewell.hasPrefix("idle for 0.2 seconds; closing the session"))
    }

    @Test func aClientThatDoesNotReadIsDisconnectedAndOthersAreServed() throws {
        let console = try ConsoleFixture.start { $0.maxOutputBuffered = 256 * 1024 }
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        let reader = try ConsoleTestClient(port: port)
        try reader.readBanner()

        let lazy = try ConsoleTestClient(port: port, receiveBufferSize: 4096)
        var disconnected = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !disconnected && ContinuousClock.now < deadline {
            disconnected = !lazy.send("table 1500\r\n")  // ~190 KB per answer, never read
        }
        #expect(disconnected)
        #expect(try reader.command("echo fine") == "fine")
        let big = try reader.command("table 3000")  // ~380 KB: larger than the limit, refused cleanly
        #expect(big.hasPrefix("error: the answer is too large ("))
    }
}
}
