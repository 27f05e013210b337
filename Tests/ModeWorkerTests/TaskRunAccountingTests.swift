import Dispatch
import ModeCore
@testable import ModeDiagnostics
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
    }

    @Test func theSelfCheckProvesTheRedirectionOnThisRuntime() async {
        #expect(TaskRunAccounting.isInstalled)
        let failure = await TaskRunAccounting.probe()
        #expect(failure == nil, "\(failure ?? "")")
    }

    @Test func aTaskIsolatedToAnActorIsMeasuredThoughItsJobsAreTheActors() async throws {
        let table = TaskAttributionTable()
        let cruncher = Cruncher()
        let address = await cruncher.crunch(table: table)
        let figures = try #require(TaskStatistics.of(taskAddress: address))
        // Resumed by the actor's job after each sleep (5 runs) and held the thread 60 ms in the last one.
        #expect(figures.jobs >= 5, "\(figures)")
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

    @Test func aTaskThatIsNotRegisteredIsNotAccounted() async {
        let cruncher = Cruncher()
        let address = await cruncher.idle()
        #expect(TaskStatistics.of(taskAddress: address) == nil)
    }
}

/// An actor whose method's task resumes inside the actor's own job after every sleep.
private actor Cruncher {
    func crunch(table: TaskAttributionTable) async -> UInt {
        let address = TaskRunAccountingTests.currentTaskAddress()
        table.register(taskAddress: address, TaskAttribution(taskName: "cruncher"))
        for _ in 0..<5 { try? await Task.sleep(for: .milliseconds(1)) }
        usleep(60_000)
        try? await Task.sleep(for: .milliseconds(1))
        return address
    }

    func idle() async -> UInt {
        try? await Task.sleep(for: .milliseconds(1))
        return TaskRunAccountingTests.currentTaskAddress()
    }
}
