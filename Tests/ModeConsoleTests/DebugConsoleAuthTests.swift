import Foundation
import Logging
import ModeConsole
import ModeTestKit
import Testing

/// Authentication under abuse (issue 15, item 5): connections that never authenticate cannot lock the
/// token holder out, and guessing is throttled per address and logged once per interval with a count.
extension ConsoleOverTCP {
@Suite("Authentication under abuse")
struct DebugConsoleAuthTests {
    private static let prompt = "\r\n" + ConsoleTestClient.prompt

    private func start(
        logger: Logger = Logger(label: "mode.console.test"), _ configure: (inout DebugConsole.Configuration) -> Void = { _ in }
    ) throws -> DebugConsole {
        var configuration = DebugConsole.Configuration(port: 0, authToken: "s3cret-token")
        configure(&configuration)
        let console = DebugConsole(configuration: configuration, logger: logger)
        ConsoleFixture.register(in: console.registry)
        try console.start()
        return console
    }

    @Test func sixteenConnectionsThatNeverAuthenticateDoNotLockTheTokenHolderOut() throws {
        let console = try start()
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        var squatters: [ConsoleTestClient] = []
        for _ in 0..<16 {
            let squatter = try ConsoleTestClient(port: port)
            #expect(try squatter.readBanner().contains("Authentication required: send 'auth <token>' within 30.0 s."))
            squatters.append(squatter)
        }
        #expect(console.unauthenticatedClients == 4)

        let holder = try ConsoleTestClient(port: port)
        try holder.readBanner()
        #expect(try holder.command("auth s3cret-token") == "ok: authenticated")
        #expect(try holder.command("echo in") == "in")
        #expect(console.unauthenticatedClients == 3)

        // The oldest squatters were closed to make room, each with a message; the newest three still wait.
        for squatter in squatters.prefix(13) {
            #expect(try squatter.readUntilClosed()
                == "error: too many unauthenticated console clients (max 4); closing this one, the oldest\r\n")
        }
        #expect(console.connectedClients == 4)  // the holder and the three newest squatters
    }

    @Test func anUnauthenticatedSessionIsClosedAtItsDeadlineAndAnAuthenticatedOneIsNot() throws {
        let console = try start { $0.authenticationTimeout = .seconds(2) }  // the holder must make it in time
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        let holder = try ConsoleTestClient(port: port)
        #expect(try holder.readBanner().contains("within 2.0 s."))
        #expect(try holder.command("auth s3cret-token") == "ok: authenticated")
        let squatter = try ConsoleTestClient(port: port)  // connected after the holder: its deadline is later
        try squatter.readBanner()
        #expect(try squatter.readUntilClosed() == "error: not authenticated within 2.0 s; closing the session\r\n")
        #expect(try holder.command("echo still here") == "still here")
    }

    @Test func guessesAreThrottledPerAddressAndTheTokenHolderGetsInAfterTheWait() throws {
        let console = try start {  // long enough for the next line to arrive within it on a busy machine
            $0.authBackoff = .seconds(2)
            $0.maxAuthBackoff = .seconds(2)
        }
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        let guesser = try ConsoleTestClient(port: port)
        try guesser.readBanner()
        #expect(try guesser.command("auth guess-1") == "error: authentication failed")
        #expect(try guesser.command("auth guess-2") == "error: authentication failed")
        guesser.send("auth guess-3\r\n")
        #expect(try guesser.readUntilClosed() == "error: authentication failed; too many failures, closing the session\r\n")

        let second = try ConsoleTestClient(port: port)
        try second.readBanner()
        #expect(try second.command("auth guess-4") == "error: authentication failed")  // starts the wait
        let refused = try second.command("auth s3cret-token")  // refused unchecked, even the right token
        #expect(refused.hasPrefix("error: too many failed authentication attempts from 127.0.0.1; try again in "))

        var answer = ""
        let deadline = ContinuousClock.now + .seconds(60)
        var attempts = 0
        while !answer.hasPrefix("ok") && ContinuousClock.now < deadline {
            let holder = try ConsoleTestClient(port: port)
            try holder.readBanner()
            answer = try holder.command("auth s3cret-token")
            attempts += 1
            if answer.hasPrefix("ok") {
                #expect(try holder.command("echo in") == "in")
            } else {
                Thread.sleep(forTimeInterval: 0.05)  // polls for the end of the wait; asserts no timing
            }
        }
        #expect(answer == "ok: authenticated", "after \(attempts) attempts")
    }

    @Test func repeatedFailuresAreLoggedOncePerIntervalWithACount() throws {
        let capture = LogCapture(level: .warning)
        let interval = Duration.milliseconds(500)
        let console = try start(logger: capture.logger) { $0.authFailureLogInterval = interval }
        defer { try? console.shutdown() }
        let port = try #require(console.port)
        let began = ContinuousClock.now
        var attempts = 0
        for _ in 0..<30 {  // what a guesser does: three wrong tokens, reconnect, again
            let guesser = try ConsoleTestClient(port: port)
            try guesser.readBanner()
            guesser.send("auth a\r\nauth b\r\nauth c\r\n")
            attempts += 3
            _ = try guesser.readUntilClosed()
        }
        let elapsed = began.duration(to: .now)
        func counted() -> Int {
            capture.records.compactMap { record -> Int? in
                guard case .string(let count)? = record.metadata["mode.console.auth_failures"] else { return nil }
                return Int(count)
            }.reduce(0, +)
        }
        // The attempts of the last interval are logged when it ends, even though no attempt follows.
        let deadline = ContinuousClock.now + .seconds(60)
        while counted() < attempts && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let lines = capture.records.map(\.message)
        #expect(counted() == attempts)
        #expect(lines.first == "debug console authentication failed from 127.0.0.1")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("debug console authentication failed ") && $0.contains(" times from 127.0.0.1 in the last ") })
        let intervals = Int((elapsed / interval).rounded(.up))
        #expect(lines.count <= intervals + 2, "\(lines.count) lines for \(attempts) attempts in \(elapsed)")
        #expect(lines.count < attempts)  // not a line per attempt
    }
}
}
