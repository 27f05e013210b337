import Dispatch
import ModeConsole
import ModeCore
@testable import ModeDiagnostics
@testable import ModeWorker
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Per-run accounting (issue 16): tasks whose work the runtime runs inside an actor's job, or on a service thread,
/// have figures too — which per-job accounting cannot give them.
@Suite("TaskRunAccounting: every task run is counted, whichever executor runs it", .serialized)
struct TaskRunAccountingTests {
    static let tick = ThreadActivity.clockResolutionNanoseconds

    static func currentTaskAddress() -> UInt {
        withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
    }

    init() async throws {
        let failure = TaskRunAccounting.failureOfInstall()
        #expect(failure == nil, "install: \(failure ?? "")")
        #expect(GlobalPoolInstrumentation.install(), "the global-pool hooks time the actors' jobs")
    }

    @Test func theSelfCheckProvesTheRedirectionOnThisRuntime() async {
        #expect(TaskRunAccounting.isInstalled)
        let failure = await TaskRunAccounting.probe()
        #expect(failure == nil, "\(failure ?? "")")
    }

    @Test func aTaskIsolatedToAnActorIsMeasuredThoughItsJobsAreTheActors() async throws {
        let table = TaskAttributionTable()
        let cruncher = Cruncher()
        // A `Task {}` made inside the actor is enqueued on the actor: the actor's own job runs it, and the hooks see
        // only that job. Its run held the thread 60 ms.
        // On an executor of its own (instrumented threads, whatever the global pool is doing); the actor's jobs
        // run there too (the task's executor preference).
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "runs-actor-")
        defer { executor.shutdown() }
        let (address, job) = await Task(executorPreference: executor) { await cruncher.spawnCrunch(table: table).value }.value
        #expect(job != nil && job != address, "the scenario runs the task inside the actor's job")
        let figures = try #require(TaskStatistics.of(taskAddress: address))
        #expect(figures.jobs >= 1, "\(figures)")
        #expect(figures.busyNanoseconds >= 60_000_000 - 2 * Self.tick, "\(figures)")
        #expect(figures.longestJobNanoseconds >= 60_000_000 - 2 * Self.tick, "\(figures)")
        #expect(figures.lastRanNanoseconds != nil)
        table.unregister(taskAddress: address)
    }

    @Test func aTaskOnAServiceThreadIsMeasured() async throws {
        let executor = try DedicatedThreadExecutor(name: "runs-svc-thread")
        let table = TaskAttributionTable()
        let address = await Task(executorPreference: executor) { () -> UInt in
            let address = Self.currentTaskAddress()
            table.register(taskAddress: address, TaskAttribution(taskName: "on-thread"))
            for _ in 0..<3 { await Task.yield() }
            usleep(40_000)
            await Task.yield()
            return address
        }.value
        let figures = try #require(TaskStatistics.of(taskAddress: address))
        #expect(figures.jobs >= 4, "\(figures)")
        #expect(figures.busyNanoseconds >= 40_000_000 - 2 * Self.tick, "\(figures)")
        table.unregister(taskAddress: address)
        await executor.shutdown()
    }

    @Test func aContinuationResumedBeforeItsAwaitDoesNotStartANewRun() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "runs-cont-")
        defer { executor.shutdown() }
        let table = TaskAttributionTable()
        let (address, before, after) = await Task(executorPreference: executor) { () -> (UInt, UInt64, UInt64) in
            let address = Self.currentTaskAddress()
            table.register(taskAddress: address, TaskAttribution(taskName: "resumer"))
            await Task.yield()  // a run boundary: the figures below are read inside one run
            let before = TaskStatistics.of(taskAddress: address)?.jobs ?? 0
            // The runtime leaves the task's thread-local context when the continuation is made and enters it again
            // when the await finds it already resumed: one run that never left the thread.
            for _ in 0..<100 { await withCheckedContinuation { $0.resume() } }
            await Task.yield()
            let after = TaskStatistics.of(taskAddress: address)?.jobs ?? 0
            return (address, before, after)
        }.value
        // The yield's run ended (one more job); the 100 continuations added none.
        #expect(after - before <= 2, "\(before) -> \(after)")
        table.unregister(taskAddress: address)
    }

    @Test func aTaskRunningInsideAnActorsJobIsShownRunningAndNotYielding() async throws {
        let tasks = TaskRegistry()
        let id = tasks.register(name: "holder", kind: .task, servicePath: "Worker/Holder", creationSite: "Holder.swift:1")
        // Flags, not semaphores: only the holder's own thread is held (the global pool has one thread per core,
        // and a test that blocks a second one starves the rest of the suite).
        let flags = HolderFlags()
        let holder = Holder()
        // On an executor of its own (see the previous test): the actor's job runs on an instrumented thread.
        let executor = InstrumentedTaskExecutor(threadCount: 2, namePrefix: "runs-holder-")
        defer { executor.shutdown() }
        let work = await Task(executorPreference: executor) {
            await holder.spawnHold(id: id, tasks: tasks, flags: flags)
        }.value
        for _ in 0..<30_000 where !flags.holding.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(1)) }
        let ran = flags.holding.load(ordering: .acquiring)
        #expect(ran, "the holder ran")
        // The task runs inside the actor's job: the thread's slot holds the actor's job, the open run names the
        // task.
        let address = try #require(tasks.liveTasks().first { $0.id == id }?.runtimeAddress)
        let thread = try #require(ThreadActivity.snapshot().first { $0.runningTask == address }, "its run is published")
        #expect(thread.job != address, "the scenario runs the task inside the actor's job: \(thread)")
        let ps = WorkerConsoleCommands.liveTasks(filter: "", in: tasks).jsonDocument.rendered()
        #expect(ps.contains(#""state":"running""#), "\(ps)")
        #expect(ps.contains(#/"thread":[0-9]+/#), "\(ps)")
        let registry = ConsoleCommandRegistry()
        WorkerConsoleCommands.registerTaskCommands(in: registry, tasks: tasks)
        var warnings = ""
        for _ in 0..<200 where !warnings.contains("not-yielding") {
            warnings = registry.execute(line: "warnings --running 0.02").text
            if !warnings.contains("not-yielding") { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(warnings.contains("not-yielding: #\(id) holder (Worker/Holder, created at Holder.swift:1)"), "\(warnings)")
        flags.released.store(true, ordering: .releasing)
        _ = await work.result
    }

    @Test func aTaskThatIsNotRegisteredIsNotAccounted() async {
        let cruncher = Cruncher()
        let address = await cruncher.idle()
        #expect(TaskStatistics.of(taskAddress: address) == nil)
    }
}

/// An actor whose tasks run inside its own jobs.
private actor Cruncher {
    func spawnCrunch(table: TaskAttributionTable) -> Task<(UInt, UInt?), Never> {
        Task {  // isolated to the actor (it uses self): enqueued on it, run by its job
            let address = self.crunch(table: table)
            let job = ThreadActivity.currentJob  // the thread's executor job: the actor's
            try? await Task.sleep(for: .milliseconds(1))
            return (address, job)
        }
    }

    private func crunch(table: TaskAttributionTable) -> UInt {
        let address = TaskRunAccountingTests.currentTaskAddress()
        table.register(taskAddress: address, TaskAttribution(taskName: "cruncher"))
        usleep(60_000)
        return address
    }

    func idle() async -> UInt {
        try? await Task.sleep(for: .milliseconds(1))
        return TaskRunAccountingTests.currentTaskAddress()
    }
}

/// What the holder and its test tell each other.
private final class HolderFlags: Sendable {
    let holding = Atomic<Bool>(false)
    let released = Atomic<Bool>(false)
}

/// An actor whose task holds its thread inside the actor's job until released (at most 10 s).
private actor Holder {
    func spawnHold(id: UInt64, tasks: TaskRegistry, flags: HolderFlags) -> Task<Void, Never> {
        Task {  // isolated to the actor (it uses self): run by the actor's job
            self.hold(id: id, tasks: tasks, flags: flags)
        }
    }

    private func hold(id: UInt64, tasks: TaskRegistry, flags: HolderFlags) {
        let address = TaskRunAccountingTests.currentTaskAddress()
        tasks.markStarted(id: id, runtimeAddress: address)
        TaskAttributionTable.shared.register(taskAddress: address, TaskAttribution(taskName: "holder"))
        flags.holding.store(true, ordering: .releasing)
        for _ in 0..<10_000 where !flags.released.load(ordering: .acquiring) { usleep(1_000) }
        TaskAttributionTable.shared.unregister(taskAddress: address)
    }
}
