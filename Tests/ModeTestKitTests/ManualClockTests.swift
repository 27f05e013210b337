import Logging
import ModeTestKit
import Testing

@Suite("ManualClock")
struct ManualClockTests {
    @Test("sleepers resume only when time reaches their deadline, in deadline order")
    func resumesInDeadlineOrder() async throws {
        let clock = ManualClock()
        let events = EventRecorder()
        let late = Task {
            try await clock.sleep(for: .seconds(10))
            events.record("late")
        }
        let early = Task {
            try await clock.sleep(for: .seconds(5))
            events.record("early")
        }
        await clock.waitForSleepers(count: 2)
        #expect(clock.nextDeadline == ManualClock.Instant(.seconds(5)))
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 2)
        clock.advance(by: .seconds(1))
        try await early.value
        #expect(events.events == ["early"])
        #expect(clock.advanceToNextDeadline())
        try await late.value
        #expect(events.events == ["early", "late"])
        #expect(clock.now == ManualClock.Instant(.seconds(10)))
        #expect(!clock.advanceToNextDeadline())
    }

    @Test("a deadline already passed returns at once; time never goes backwards")
    func pastDeadline() async throws {
        let clock = ManualClock()
        clock.advance(by: .seconds(3))
        try await clock.sleep(until: ManualClock.Instant(.seconds(1)))
        clock.advance(to: ManualClock.Instant(.seconds(2)))
        #expect(clock.now == ManualClock.Instant(.seconds(3)))
    }

    @Test("cancelling a sleeper resumes it with CancellationError and removes it")
    func cancellation() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
        await clock.waitForSleepers(count: 1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }
}

@Suite("Log capture and event recorder")
struct LogCaptureTests {
    @Test("records render as mode prints them, from the mode.service metadata")
    func rendersModePrefix() {
        let capture = LogCapture()
        var logger = capture.logger
        logger[metadataKey: "mode.service"] = "Worker/AppService/Webserver"
        logger.info("Serving on port 8000")
        logger[metadataKey: "mode.service"] = nil
        logger.warning("plain")
        #expect(capture.lines == ["[^--Webserver]: Serving on port 8000", "plain"])
        #expect(capture.records.map(\.level) == [.info, .warning])
        capture.reset()
        #expect(capture.records.isEmpty)
    }

    @Test("a minimum level filters records")
    func minimumLevel() {
        let capture = LogCapture(level: .error)
        capture.logger.info("dropped")
        capture.logger.error("kept")
        #expect(capture.lines == ["kept"])
    }

    @Test("waitFor returns once the event is recorded, also when it already was")
    func waitFor() async {
        let events = EventRecorder()
        events.record("before")
        await events.waitFor("before")
        let waiter = Task { await events.waitFor("after") }
        events.record("after")
        await waiter.value
        #expect(events.events == ["before", "after"])
    }
}
