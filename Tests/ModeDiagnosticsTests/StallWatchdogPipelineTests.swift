import Dispatch
import Logging
import ModeDiagnostics
import ModeTestKit
import Synchronization
import Testing

/// The watchdog keeps polling while reports are built: symbolication and logging run on the symbolication
/// thread. These tests hold that thread on purpose (a gate submitted ahead of the reports).
@Suite("StallWatchdog: never blind while a report is built", .serialized)
struct StallWatchdogPipelineTests {
    /// Waits (by polling a condition, with a generous deadline) for something another thread does.
    static func waitUntil(_ what: String, within deadline: Duration = .seconds(30),
                          _ condition: () -> Bool) async throws {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while !condition() {
            guard clock.now < end else {
                Issue.record("timed out waiting until \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The records of the capture that mention `report_id`, as (index, part, message).
    static func stallRecords(_ capture: LogCapture) -> [(index: Int, reportID: String, part: String?, message: String)] {
        capture.records.enumerated().compactMap { index, record in
            guard case .string(let id)? = record.metadata["mode.stall.report_id"] else { return nil }
            var part: String?
            if case .string(let value)? = record.metadata["mode.stall.part"] { part = value }
            return (index, id, part, record.message)
        }
    }

    @Test func aSecondStallIsCapturedWhileTheFirstReportIsStillBeingBuiltAndEachEndFollowsItsReport()
        async throws
    {
        let capture = LogCapture()
        // A symbolicator of the test's own: holding its thread blocks nobody else (other suites wait on the
        // shared one from the cooperative pool).
        let symbolicator = Symbolicator()
        let executor = InstrumentedTaskExecutor(threadCount: 2, namePrefix: "blind-exec-")
        defer { executor.shutdown() }
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let order = Recorded<String>()
        let tids = Set(executor.threadIDs)
        let configuration = StallWatchdog.Configuration(
            timeout: .milliseconds(100), repeatAfter: .zero, rateLimitWindow: .zero,
            threadFilter: { tids.contains($0.threadID) })
        let watchdog = StallWatchdog(
            configuration: configuration, logger: capture.logger,
            onStall: { report in
                order.append("report \(report.thread.tid)")
                reports.append(report)
            },
            onStallEnded: { end in
                order.append("end \(end.threadID)")
                ends.append(end)
            }, symbolicator: symbolicator)
        try watchdog.start()
        defer { watchdog.stop() }

        // Hold the symbolication thread: nothing can be symbolicated or logged until the gate opens.
        let symbolication = DispatchSemaphore(value: 0)
        let released = StallFlag()
        // Whatever happens below, the shared symbolication thread is given back (other suites need it).
        defer { if !released.value.exchange(true, ordering: .sequentiallyConsistent) { symbolication.signal() } }
        let holding = StallFlag()
        symbolicator.submit {
            holding.value.store(true, ordering: .sequentiallyConsistent)
            symbolication.wait()
        }
        try await Self.waitUntil("the symbolication thread is held") {
            holding.value.load(ordering: .sequentiallyConsistent)
        }

        let gateA = DispatchSemaphore(value: 0)
        let gateB = DispatchSemaphore(value: 0)
        let clock = ContinuousClock()
        let blockedFor = Recorded<Duration>()
        let first = Task(executorPreference: executor) {
            let start = clock.now
            blockingWork(gateA)
            blockedFor.append(start.duration(to: clock.now))
        }
        try await Self.waitUntil("the first stall is captured") { watchdog.captureCount >= 1 }
        let second = Task(executorPreference: executor) {
            let start = clock.now
            blockingWork(gateB)
            blockedFor.append(start.duration(to: clock.now))
        }
        // The watchdog did not wait for the first report: it captures the second stall too.
        try await Self.waitUntil("the second stall is captured") { watchdog.captureCount >= 2 }
        #expect(reports.all.isEmpty, "no complete report yet: the symbolication thread is held")
        // Each report is due at timeout × 1.1 after its job started: the watchdog logs the core part itself.
        try await Self.waitUntil("both core parts are logged") {
            Self.stallRecords(capture).filter { $0.part == "core" }.count == 2
        }
        for core in Self.stallRecords(capture) where core.part == "core" {
            #expect(core.message.hasPrefix("Blocking detected: thread blind-exec-"), "\(core.message)")
            #expect(core.message.contains("core part (symbols were not ready in time"), "\(core.message)")
            #expect(core.message.contains("[ModeDiagnosticsTests+0x") || core.message.contains("[swift-modePackageTests"),
                    "module+offset frames: \(core.message)")
        }

        gateA.signal()
        gateB.signal()
        await first.value
        await second.value
        // Both ends were measured by the watchdog (queued behind the held thread) before the gate opens.
        try await Self.waitUntil("both ends are queued") { symbolicator.pendingWork >= 4 }
        // Keep the lines from being logged for a while: an end measured when its line is logged would be
        // at least 1.5 s longer than the block.
        let endedAt = clock.now
        try await Self.waitUntil("1.5 s have passed since the jobs ended") { clock.now - endedAt >= .milliseconds(1_500) }
        if !released.value.exchange(true, ordering: .sequentiallyConsistent) { symbolication.signal() }

        let endA = try #require(await ends.first { _ in true })
        _ = try #require(await ends.first { $0.threadID != endA.threadID })
        let logged = order.values
        #expect(logged.count == 4, "\(logged)")
        for tid in Set(reports.all.map(\.thread.tid)) {
            let report = try #require(logged.firstIndex(of: "report \(tid)"))
            let end = try #require(logged.firstIndex(of: "end \(tid)"))
            #expect(report < end, "\(logged)")
        }
        #expect(reports.all.count == 2)
        #expect(Set(reports.all.map(\.thread.tid)).count == 2)
        #expect(reports.all.allSatisfy { $0.part == .symbolicated && $0.site.contains("blockingWork") })
        // In the log: each report's core part, then its symbolicated part (same report id), then its end.
        let records = Self.stallRecords(capture)
        for report in reports.all {
            let id = "\(report.reportID)"
            let core = try #require(records.first { $0.reportID == id && $0.part == "core" })
            let full = try #require(records.first { $0.reportID == id && $0.part == "symbolicated" })
            let end = try #require(records.first { $0.reportID == id && $0.message.hasPrefix("Blocking ended:") })
            #expect(core.index < full.index && full.index < end.index)
            #expect(full.message.contains("blockingWork"), "\(full.message)")
        }
        // Each end is the stall's own duration, measured when it ended, not when its line could be logged.
        let longest = try #require(blockedFor.values.max())
        for end in ends.all {
            #expect(end.total >= .milliseconds(100))
            #expect(end.total <= longest + .milliseconds(750), "end \(end.total) vs blocked \(longest)")
        }
    }

    @Test func anAddressIsSymbolicatedOnceAndServedFromTheCacheAfterwards() throws {
        let symbolicator = Symbolicator()
        let stack = StackCapture.captureCurrentThread()
        let first = symbolicator.symbolicate(stack)
        let afterFirst = symbolicator.cacheStatistics
        let second = symbolicator.symbolicate(stack)
        let afterSecond = symbolicator.cacheStatistics
        #expect(first == second)
        #expect(first.contains { $0.symbol?.contains("anAddressIsSymbolicatedOnce") == true })
        #expect(afterFirst.misses == Set(stack.addresses).count, "each distinct address looked up once")
        #expect(afterSecond.misses == afterFirst.misses, "nothing looked up again")
        #expect(afterSecond.hits == afterFirst.hits + stack.addresses.count)

        // A stack that repeats one address (a deep recursion) looks it up once.
        let repeated = RawStack(addresses: Array(repeating: stack.addresses[1], count: 64) + [stack.addresses[2]],
                                unwinder: stack.unwinder, firstFrameIsExactPC: false)
        let fresh = Symbolicator()
        let frames = fresh.symbolicate(repeated)
        #expect(fresh.cacheStatistics.misses == Set(repeated.addresses).count)
        #expect(Set(frames.map(\.index)).count == 65)

        symbolicator.refreshImages()
        #expect(symbolicator.cacheStatistics.addresses == 0, "refreshImages forgets cached frames")
    }
}

/// Values appended from any thread.
final class Recorded<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}

@Suite("StallWatchdog report deadlines (manual clock)")
struct StallReportDeadlineTests {
    @Test func aFirstReportIsDueAtTimeoutTimesOnePointOneAfterItsJobStarted() {
        let clock = ManualClock()
        let start = clock.now
        // Detected exactly at the timeout: 50 ms of budget for the symbols.
        let onTime = StallWatchdog.reportDeadline(
            kind: .detected, detectedAt: start.advanced(by: .milliseconds(500)), busyFor: .milliseconds(500),
            timeout: .milliseconds(500)) as ManualClock.Instant
        #expect(onTime == start.advanced(by: .milliseconds(550)))
        // Detected late (the watchdog was descheduled): the deadline stays tied to the job's start.
        let late = StallWatchdog.reportDeadline(
            kind: .detected, detectedAt: start.advanced(by: .milliseconds(530)), busyFor: .milliseconds(530),
            timeout: .milliseconds(500)) as ManualClock.Instant
        #expect(late == start.advanced(by: .milliseconds(550)))
        // Detected after the deadline: due at once, never in the past.
        let overdue = StallWatchdog.reportDeadline(
            kind: .detected, detectedAt: start.advanced(by: .milliseconds(700)), busyFor: .milliseconds(700),
            timeout: .milliseconds(500)) as ManualClock.Instant
        #expect(overdue == start.advanced(by: .milliseconds(700)))
    }

    @Test func aRepeatIsDueTenPercentOfTheTimeoutAfterItsDetection() {
        let clock = ManualClock()
        let detected = clock.now.advanced(by: .seconds(2))
        let due = StallWatchdog.reportDeadline(
            kind: .repeated, detectedAt: detected, busyFor: .seconds(2), timeout: .milliseconds(500))
            as ManualClock.Instant
        #expect(due == detected.advanced(by: .milliseconds(50)))
    }
}
