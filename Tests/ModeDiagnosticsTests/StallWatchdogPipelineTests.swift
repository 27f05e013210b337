import Dispatch
import ModeDiagnostics
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

    @Test func aSecondStallIsCapturedWhileTheFirstReportIsStillBeingBuiltAndEachEndFollowsItsReport()
        async throws
    {
        let executor = InstrumentedTaskExecutor(threadCount: 2, namePrefix: "blind-exec-")
        defer { executor.shutdown() }
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let order = Recorded<String>()
        let tids = Set(executor.threadIDs)
        let configuration = StallWatchdog.Configuration(
            timeout: .milliseconds(100), rateLimitWindow: .zero, threadFilter: { tids.contains($0.threadID) })
        let watchdog = StallWatchdog(
            configuration: configuration,
            onStall: { report in
                order.append("report \(report.thread.tid)")
                reports.append(report)
            },
            onStallEnded: { end in
                order.append("end \(end.threadID)")
                ends.append(end)
            })
        try watchdog.start()
        defer { watchdog.stop() }

        // Hold the symbolication thread: nothing can be symbolicated or logged until the gate opens.
        let symbolication = DispatchSemaphore(value: 0)
        let holding = StallFlag()
        Symbolicator.shared.submit {
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
        #expect(reports.all.isEmpty, "nothing could be logged yet: the symbolication thread is held")

        gateA.signal()
        gateB.signal()
        await first.value
        await second.value
        // Both ends were measured by the watchdog (queued behind the held thread) before the gate opens.
        try await Self.waitUntil("both ends are queued") { Symbolicator.shared.pendingWork >= 4 }
        symbolication.signal()

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
        // Each end is the stall's own duration, measured when it ended, not when its line could be logged.
        let longest = try #require(blockedFor.values.max())
        for end in ends.all {
            #expect(end.total >= .milliseconds(100))
            #expect(end.total <= longest + .milliseconds(500), "end \(end.total) vs blocked \(longest)")
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
