import CModeSupport
import Dispatch
import ModeDiagnostics
import Synchronization
import Testing

/// Blocks the calling thread until the test opens the gate (a real blocking call: a futex wait).
@inline(never)
func blockingWork(_ gate: DispatchSemaphore) {
    gate.wait()
}

/// Burns CPU until the test sets the flag.
@inline(never)
func spinUntilReleased(_ flag: StallFlag) {
    var counter = 0
    while !flag.value.load(ordering: .relaxed) { counter &+= 1 }
    withExtendedLifetime(counter) {}
}

final class StallFlag: Sendable {
    let value = Atomic<Bool>(false)
}

@Suite("StallWatchdog on real threads", .serialized)
struct StallWatchdogTests {
    static func currentTaskAddress() -> UInt {
        withUnsafeCurrentTask { task in unsafeBitCast(task!, to: UInt.self) }
    }

    /// A watchdog that only watches `tids` (other suites in this process stall threads too).
    static func makeWatchdog(timeout: Duration, repeatAfter: Duration = .zero, tids: Set<Int32>,
                             heartbeats: HeartbeatMonitor? = nil, watchSlots: Bool = true,
                             reports: StallEventLog<StallReport>,
                             ends: StallEventLog<StallWatchdog.StallEnd>) -> StallWatchdog {
        let configuration = StallWatchdog.Configuration(
            timeout: timeout, repeatAfter: repeatAfter, rateLimitWindow: .zero, watchesActivitySlots: watchSlots,
            threadFilter: { tids.contains($0.threadID) })
        return StallWatchdog(configuration: configuration, heartbeats: heartbeats,
                             onStall: { reports.append($0) }, onStallEnded: { ends.append($0) })
    }

    @Test func aServiceBlockingInANamedFunctionIsReportedOnceWithItsTaskAndSourceLine() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 2, namePrefix: "stall-exec-")
        defer { executor.shutdown() }
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let watchdog = Self.makeWatchdog(timeout: .milliseconds(200), tids: Set(executor.threadIDs),
                                         reports: reports, ends: ends)
        try watchdog.start()
        defer { watchdog.stop() }

        let gate = DispatchSemaphore(value: 0)
        let attribution = TaskAttribution(taskID: 41, taskName: "poll", servicePath: "app/cache",
                                          creationSite: "StallWatchdogTests.swift:\(#line)")
        let task = Task(executorPreference: executor) {
            let address = Self.currentTaskAddress()
            TaskAttributionTable.shared.register(taskAddress: address, attribution)
            defer { TaskAttributionTable.shared.unregister(taskAddress: address) }
            blockingWork(gate)
        }

        let report = try #require(await reports.first())
        gate.signal()
        await task.value
        let end = try #require(await ends.first())

        #expect(report.headline.hasPrefix("Blocking detected: thread stall-exec-"))
        #expect(report.headline.hasSuffix("(timeout 200 ms)"))
        #expect(report.busyMilliseconds >= 200)
        #expect(report.task == attribution)
        #expect(report.executor == "task-executor")
        #expect(report.site.contains("blockingWork"))
        let frame = try #require(report.frames.first { $0.symbol?.contains("blockingWork") == true })
        #expect(frame.file?.hasSuffix("StallWatchdogTests.swift") == true)
        #expect(frame.line != nil)
        #expect(frame.module != nil && frame.moduleOffset != nil)
        let text = report.render()
        #expect(text.contains("service: app/cache"))
        #expect(text.contains("task: poll (id 41)"))
        #expect(text.contains("blockingWork"))
        #expect(end.reportID == report.reportID)
        #expect(end.total >= .milliseconds(200))
        #expect(end.task == attribution)
        #expect(reports.all.count == 1)
        #expect(watchdog.recentReports == [report])
        try StallReportTests.writeFixturesIfRequested(report)
    }

    @Test func aCPULoopIsReported() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "stall-cpu-")
        defer { executor.shutdown() }
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let watchdog = Self.makeWatchdog(timeout: .milliseconds(150), tids: Set(executor.threadIDs),
                                         reports: reports, ends: ends)
        try watchdog.start()
        defer { watchdog.stop() }

        let flag = StallFlag()
        let task = Task(executorPreference: executor) { spinUntilReleased(flag) }
        let report = try #require(await reports.first())
        flag.value.store(true, ordering: .relaxed)
        await task.value
        _ = try #require(await ends.first())

        #expect(report.thread.name == "stall-cpu-0")
        #expect(report.frames.contains { $0.symbol?.contains("spinUntilReleased") == true })
        #expect(report.thread.state == "R")
    }

    @Test func aLongStallIsReportedAgainWithAFreshStackAfterTheRepeatThreshold() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "stall-rep-")
        defer { executor.shutdown() }
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let watchdog = Self.makeWatchdog(timeout: .milliseconds(100), repeatAfter: .milliseconds(300),
                                         tids: Set(executor.threadIDs), reports: reports, ends: ends)
        try watchdog.start()
        defer { watchdog.stop() }

        let gate = DispatchSemaphore(value: 0)
        let task = Task(executorPreference: executor) { blockingWork(gate) }
        let repeated = try #require(await reports.first { $0.kind == .repeated })
        gate.signal()
        await task.value
        _ = try #require(await ends.first())

        #expect(repeated.headline.hasPrefix("Blocking still detected: thread stall-rep-0"))
        #expect(repeated.busyMilliseconds >= 300)
        #expect(repeated.frames.contains { $0.symbol?.contains("blockingWork") == true })
        #expect(reports.all.filter { $0.kind == .detected }.count == 1)
    }

    @Test func aBlockedHeartbeatExecutorIsReportedForThatExecutorOnly() async throws {
        let blocked = StallPlainThreadExecutor(name: "plain-blocked")
        let healthy = StallPlainThreadExecutor(name: "plain-healthy")
        let monitor = HeartbeatMonitor()
        monitor.register(name: "plain-blocked") { blocked.submit($0) }
        monitor.register(name: "plain-healthy") { healthy.submit($0) }
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let watchdog = Self.makeWatchdog(timeout: .milliseconds(200), tids: [], heartbeats: monitor,
                                         watchSlots: false, reports: reports, ends: ends)
        try watchdog.start()
        defer { watchdog.stop() }

        // Wait until both executors answered a beat (their threads are known), then block one.
        let ready = StallEventLog<Bool>()
        // Polled with a short sleep, not Task.yield: a spinning probe holds one of the pool's two threads, and
        // with another test blocking the other one the suite's pool starved here (the ready wait timed out).
        let probe = Task {
            while monitor.statuses().contains(where: { $0.threadID == 0 }) {
                try? await Task.sleep(for: .milliseconds(1))
            }
            ready.append(true)
        }
        let answered = await ready.first()
        probe.cancel()
        try #require(answered == true)
        let gate = DispatchSemaphore(value: 0)
        blocked.submit { blockingWork(gate) }

        let report = try #require(await reports.first())
        gate.signal()
        _ = try #require(await ends.first())
        blocked.stop()
        healthy.stop()

        #expect(report.source == "heartbeat:plain-blocked")
        #expect(report.executor == "heartbeat plain-blocked")
        #expect(report.thread.tid == blocked.tid)
        #expect(report.thread.name == "plain-blocked")
        #expect(report.frames.contains { $0.symbol?.contains("blockingWork") == true })
        #expect(reports.all.allSatisfy { $0.source == "heartbeat:plain-blocked" })
    }

    @Test func aTaskOnTheHookedGlobalPoolIsReported() async throws {
        try #require(GlobalPoolInstrumentation.install(), "enqueue hooks unsupported on this toolchain")
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let attribution = TaskAttribution(taskName: "escaped", servicePath: "app/escapee")
        let configuration = StallWatchdog.Configuration(
            timeout: .milliseconds(200), repeatAfter: .zero, rateLimitWindow: .zero,
            threadFilter: { $0.kind == .globalPool })
        // The blocked task holds a thread of the pool: the watchdog's own thread opens the gate once the report is
        // in, since the test body may need a pool thread to run (another suite may hold the other one).
        let gate = DispatchSemaphore(value: 0)
        let watchdog = StallWatchdog(
            configuration: configuration,
            onStall: { report in
                reports.append(report)
                if report.task == attribution { gate.signal() }
            },
            onStallEnded: { ends.append($0) })
        try watchdog.start()
        defer { watchdog.stop() }

        let task = Task.detached {
            let address = Self.currentTaskAddress()
            TaskAttributionTable.shared.register(taskAddress: address, attribution)
            defer { TaskAttributionTable.shared.unregister(taskAddress: address) }
            blockingWork(gate)
        }
        let report = try #require(await reports.first { $0.task == attribution })
        await task.value

        #expect(report.executor == "global-pool")
        #expect(report.frames.contains { $0.symbol?.contains("blockingWork") == true })
    }

    @Test func aBusyButYieldingWorkloadIsNeverReported() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 2, namePrefix: "stall-busy-")
        defer { executor.shutdown() }
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let watchdog = Self.makeWatchdog(timeout: .milliseconds(500), tids: Set(executor.threadIDs),
                                         reports: reports, ends: ends)
        try watchdog.start()
        defer { watchdog.stop() }

        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .seconds(4))
        let jobs = try await Task(executorPreference: executor) {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var count = 0
                        while clock.now < end {
                            var sum = 0
                            for value in 0..<2_000 { sum &+= value }  // a short job: microseconds
                            withExtendedLifetime(sum) {}
                            count += 1
                            await Task.yield()
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
        }.value

        #expect(jobs > 1_000)
        #expect(reports.all.isEmpty)
        #expect(watchdog.reportCount == 0)
    }

    @Test func zeroTimeoutDisablesTheWatchdog() throws {
        let watchdog = StallWatchdog(configuration: .init(timeout: .zero))
        try watchdog.start()
        #expect(!watchdog.isRunning)
        watchdog.stop()
    }
}
