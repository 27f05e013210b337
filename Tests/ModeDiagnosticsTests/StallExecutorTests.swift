import CModeSupport
import ModeDiagnostics
import Testing

@Suite("Per-thread job timing: instrumented executor, global-pool hook, task labels")
struct StallExecutorTests {
    static func currentTaskAddress() -> UInt {
        withUnsafeCurrentTask { task in unsafeBitCast(task!, to: UInt.self) }
    }

    @Test func jobAddressIsTheTaskAddressOnTheInstrumentedExecutor() async {
        let executor = InstrumentedTaskExecutor(threadCount: 2)
        defer { executor.shutdown() }
        let (task, job, tid) = await Task(executorPreference: executor) {
            (Self.currentTaskAddress(), ThreadActivity.currentJob, c_mode_gettid())
        }.value
        #expect(job == task)
        #expect(executor.threadIDs.contains(tid))
        let slot = ThreadActivity.snapshot().first { $0.threadID == tid }
        #expect(slot?.kind == .taskExecutor)
    }

    @Test func childTasksAndResumptionsStayOnTheExecutorThreads() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 2, namePrefix: "mode-test-")
        defer { executor.shutdown() }
        let tids: [Int32] = try await Task(executorPreference: executor) {
            try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(1))
                        // After the sleep, the task still runs on the executor and the slot names its task.
                        #expect(ThreadActivity.currentJob == Self.currentTaskAddress())
                        return c_mode_gettid()
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }.value
        #expect(tids.count == 50)
        #expect(Set(tids).isSubset(of: Set(executor.threadIDs)))
        #expect(executor.threadIDs.count == 2)
    }

    @Test func jobsAfterShutdownStillRun() async {
        let executor = InstrumentedTaskExecutor(threadCount: 1)
        executor.shutdown()
        let value = await Task(executorPreference: executor) { 42 }.value
        #expect(value == 42)
    }

    @Test func globalPoolHookTimesTaskJobs() async throws {
        try #require(GlobalPoolInstrumentation.install(), "enqueue hooks unsupported on this toolchain")
        let (task, job, tid) = await Task.detached {
            try? await Task.sleep(for: .milliseconds(1))  // resumption through the deadline hook
            return (Self.currentTaskAddress(), ThreadActivity.currentJob, c_mode_gettid())
        }.value
        #expect(job == task)
        let slot = ThreadActivity.snapshot().first { $0.threadID == tid }
        #expect(slot?.kind == .globalPool)
        #expect(GlobalPoolInstrumentation.isInstalled)
    }

    @Test func theSelfCheckPassesWithTheHooksInstalled() async throws {
        try #require(GlobalPoolInstrumentation.install(), "enqueue hooks unsupported on this toolchain")
        #expect(await GlobalPoolInstrumentation.probe() == nil)
    }

    @Test func taskLabelsAreReadableFromTheSignalSafeTable() {
        let table = TaskAttributionTable.shared
        let attribution = TaskAttribution(taskID: 12, taskName: "poll", servicePath: "app/cache",
                                          creationSite: "App/Cache.swift:42")
        let addresses: [UInt] = (1...300).map { 0x7f00_0000_1000 + UInt($0) * 0x400 }
        for address in addresses { table.register(taskAddress: address, attribution) }
        #expect(TaskAttributionTable.signalSafeLabel(taskAddress: addresses[17]) == "app/cache poll (App/Cache.swift:42)")
        #expect(table.lookup(taskAddress: addresses[299]) == attribution)
        for address in addresses where address % 0x800 == 0 { table.unregister(taskAddress: address) }
        for address in addresses {
            let expected: String? = address % 0x800 == 0 ? nil : attribution.label
            #expect(TaskAttributionTable.signalSafeLabel(taskAddress: address) == expected)
        }
        for address in addresses { table.unregister(taskAddress: address) }
        #expect(TaskAttributionTable.signalSafeLabel(taskAddress: addresses[17]) == nil)
    }

    @Test func longLabelsAreTruncatedNotOverflowed() {
        let long = String(repeating: "x", count: 1_000)
        TaskAttributionTable.shared.register(taskAddress: 0x5151_0000, TaskAttribution(taskName: long))
        defer { TaskAttributionTable.shared.unregister(taskAddress: 0x5151_0000) }
        let label = TaskAttributionTable.signalSafeLabel(taskAddress: 0x5151_0000)
        #expect(label?.count == Int(C_MODE_TASK_LABEL_SIZE) - 1)
    }
}

@Suite("Task label table under churn")
struct StallTaskLabelChurnTests {
    /// Millions of short tasks register and unregister over a process's life: the table must not fill with
    /// tombstones (each miss would then probe every entry) nor lose live labels.
    @Test func churnKeepsLiveLabelsAndTheTableUsable() {
        let table = TaskAttributionTable.shared
        let live: [UInt] = (0..<64).map { 0x6600_0000_0000 + UInt($0) * 0x1_0000 }
        for address in live { table.register(taskAddress: address, TaskAttribution(taskName: "live-\(address)")) }
        for round in 0..<200 {
            let batch: [UInt] = (0..<100).map { 0x7700_0000_0000 + UInt(round * 100 + $0) * 0x40 }
            for address in batch { table.register(taskAddress: address, TaskAttribution(taskName: "short")) }
            for address in batch { table.unregister(taskAddress: address) }
        }
        for address in live {
            #expect(TaskAttributionTable.signalSafeLabel(taskAddress: address) == "live-\(address)")
            table.unregister(taskAddress: address)
        }
        #expect(TaskAttributionTable.signalSafeLabel(taskAddress: 0x7700_0000_0040) == nil)
        // 20,000 removals: without cleanup nearly every entry would be a tombstone by now. Other suites may
        // hold a few labels concurrently, so the bound is loose.
        #expect(c_mode_task_label_tombstones() < Int32(C_MODE_TASK_LABEL_CAPACITY) / 4)
    }
}
