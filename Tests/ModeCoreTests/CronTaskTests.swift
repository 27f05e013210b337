import Foundation
import ModeCore
import ModeTestKit
import Synchronization
import Testing

/// A service with one cron job on a manual clock whose wall time is `base + clock offset`.
final class CronHost: Service {
    let lifecycle: ServiceLifecycleState
    let clock = ManualClock()
    let base: Date
    let expression: String
    let timeZone: TimeZone
    let fired = Mutex<[Date]>([])

    init(_ label: String, expression: String, timeZone: TimeZone, base: Date, capture: LogCapture = LogCapture()) {
        lifecycle = ServiceLifecycleState(clock: clock, logger: capture.logger, label: label)
        self.base = base
        self.expression = expression
        self.timeZone = timeZone
    }

    var wallNow: Date { base.addingTimeInterval(Double(clock.now.offset.components.seconds)) }

    var tasks: [ServiceTask] {
        [.cron("job", expression, timeZone: timeZone, now: { self.wallNow }) {
            let now = self.wallNow
            self.fired.withLock { $0.append(now) }
        }]
    }

    /// Waits for the job to park and advances the clock to its deadline; returns the wall time reached.
    func advanceToNextFire() async -> Date {
        await clock.waitForSleepers(count: 1)
        if let next = clock.nextDeadline { clock.advance(to: next) }
        return wallNow
    }
}

@Suite("Cron jobs as service tasks (manual clock, injected wall time)")
struct CronTaskTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func date(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    @Test("fires at the expression's times across a leap day and a month end")
    func firesAtComputedTimes() async throws {
        let host = CronHost(
            "CronLeap", expression: "0 12 28-31,1 * *", timeZone: Self.utc, base: Self.date("2024-02-27T13:00:00Z"))
        try await host.start()
        var wall: [Date] = []
        for _ in 1...4 { wall.append(await host.advanceToNextFire()) }
        let expected = [
            "2024-02-28T12:00:00Z", "2024-02-29T12:00:00Z", "2024-03-01T12:00:00Z", "2024-03-28T12:00:00Z",
        ]
        #expect(wall == expected.map(Self.date))
        await waitUntil { host.fired.withLock { $0.count } == 4 }
        #expect(host.fired.withLock { $0 } == expected.map(Self.date))
        let status = try #require(host.cronStatus(named: "job"))
        #expect(status.runs >= 3)
        await host.stop()
        #expect(host.ownedTasks.isEmpty)
    }

    @Test("a daily job in a named zone sleeps 23 hours across the spring DST change")
    func dstInNamedZone() async throws {
        let newYork = TimeZone(identifier: "America/New_York")!
        // 2024-03-09 07:00 EST; DST starts 2024-03-10 02:00 local.
        let host = CronHost(
            "CronDST", expression: "30 9 * * *", timeZone: newYork, base: Self.date("2024-03-09T12:00:00Z"))
        try await host.start()
        let first = await host.advanceToNextFire()
        let second = await host.advanceToNextFire()
        #expect(first == Self.date("2024-03-09T14:30:00Z"))  // 09:30 EST
        #expect(second == Self.date("2024-03-10T13:30:00Z"))  // 09:30 EDT
        #expect(second.timeIntervalSince(first) == 23 * 3600)
        await host.stop()
    }

    @Test("a malformed expression crashes the service at start with the error naming the field")
    func malformedExpression() async throws {
        let host = CronHost(
            "CronBad", expression: "61 * * * *", timeZone: Self.utc, base: Date(timeIntervalSince1970: 0))
        try await host.start()
        await host.waitUntilStopped()
        let failure = try #require(host.crashReason as? ServiceTaskFailure)
        let error = try #require(failure.error as? CronExpressionError)
        #expect(failure.kind == .cron)
        #expect(error.field == "minute")
        #expect(error.code == .outOfRange)
        await host.stop()
    }

    @Test("the pre-parsed variant rejects a bad expression where it is parsed")
    func preParsed() throws {
        #expect(throws: CronExpressionError.self) { try CronExpression("* * * * mon-xyz") }
        let task = ServiceTask.cron("ok", expression: try CronExpression("@hourly")) {}
        #expect(task.kind == .cron && task.name == "ok")
    }

    @Test("stop ends a waiting cron job at once")
    func stopsPromptly() async throws {
        let host = CronHost(
            "CronStop", expression: "@yearly", timeZone: Self.utc, base: Self.date("2024-01-01T00:00:01Z"))
        try await host.start()
        await host.clock.waitForSleepers(count: 1)
        #expect(host.cronStatus(named: "job")?.nextFireDate == Self.date("2025-01-01T00:00:00Z"))
        await host.stop()
        #expect(host.clock.sleeperCount == 0)
        #expect(host.fired.withLock { $0.isEmpty })
    }
}
