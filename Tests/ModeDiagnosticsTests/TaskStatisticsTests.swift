import CModeSupport
import Dispatch
import Synchronization
import Testing

@testable import ModeDiagnostics

#if canImport(Glibc)
import Glibc
#endif

/// Per-task executor accounting: the figures a registered task's jobs leave in its entry.
@Suite("TaskStatistics: jobs, busy, scheduled, longest job, last run", .serialized)
struct TaskStatisticsTests {
    /// One kernel tick: the figures' clock resolution (a measured duration may be short by up to a tick at each end).
    static let tick = ThreadActivity.clockResolutionNanoseconds

    /// The address of the calling task.
    static func currentTaskAddress() -> UInt {
        withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
    }

    @Test func aRegisteredTasksJobsAreCountedWithTheTimeTheyHeldTheThread() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "stats-exec-")
        defer { executor.shutdown() }
        let table = TaskAttributionTable()
        let address = await Task(executorPreference: executor) { () -> UInt in
            let address = Self.currentTaskAddress()
            table.register(taskAddress: address, TaskAttribution(taskName: "worker"))
            for _ in 0..<5 { await Task.yield() }  // five more jobs
            usleep(60_000)  // one job that holds the thread for 60 ms
            await Task.yield()
            return address
        }.value
        let figures = try #require(TaskStatistics.of(taskAddress: address))
        // The job that registered it ended after the registration: counted; then 5 yields, the sleep, a last job.
        #expect(figures.jobs >= 6, "\(figures)")
        #expect(figures.busyNanoseconds >= 60_000_000 - 2 * Self.tick, "\(figures)")
        #expect(figures.longestJobNanoseconds >= 60_000_000 - 2 * Self.tick, "\(figures)")
        #expect(figures.lastRanNanoseconds != nil)
        table.unregister(taskAddress: address)
        #expect(TaskStatistics.of(taskAddress: address) == nil, "an unregistered task is not accounted")
    }

    @Test func aJobThatWaitsBehindAnotherForTheOnlyThreadIsCountedAsScheduledTime() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "stats-wait-")
        defer { executor.shutdown() }
        let table = TaskAttributionTable()
        let parked = Parked()
        let waiter = Task(executorPreference: executor) { () -> UInt in
            let address = Self.currentTaskAddress()
            table.register(taskAddress: address, TaskAttribution(taskName: "waiter"))
            await withCheckedContinuation { continuation in parked.park(continuation) }
            return address
        }
        await parked.waitUntilParked()
        // Hold the only thread; make the waiter runnable while it is held (resume enqueues it at once), and only
        // then keep the thread 60 ms more: its next job waits in the executor's queue at least that long.
        let blockerStarted = DispatchSemaphore(value: 0)
        let waiterQueued = DispatchSemaphore(value: 0)
        let blocker = Task(executorPreference: executor) {
            blockerStarted.signal()
            waiterQueued.wait()
            usleep(60_000)
        }
        await Task.detached { blockerStarted.wait() }.value
        parked.resume()
        waiterQueued.signal()
        await blocker.value
        let address = await waiter.value
        let figures = try #require(TaskStatistics.of(taskAddress: address))
        #expect(figures.scheduledNanoseconds >= 60_000_000 - 2 * Self.tick, "queued behind a 60 ms job: \(figures)")
        table.unregister(taskAddress: address)
    }

    @Test func aTaskNeverRegisteredIsNotAccounted() async {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "stats-none-")
        defer { executor.shutdown() }
        let address = await Task(executorPreference: executor) { () -> UInt in
            await Task.yield()
            return Self.currentTaskAddress()
        }.value
        #expect(TaskStatistics.of(taskAddress: address) == nil)
    }

    @Test func registeringAgainKeepsTheFigures() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "stats-again-")
        defer { executor.shutdown() }
        let table = TaskAttributionTable()
        let address = await Task(executorPreference: executor) { () -> UInt in
            let address = Self.currentTaskAddress()
            table.register(taskAddress: address, TaskAttribution(taskName: "outer"))
            for _ in 0..<3 { await Task.yield() }
            // A scope opened inside the task registers the same address again (a request).
            table.register(taskAddress: address, TaskAttribution(taskName: "GET /x"))
            await Task.yield()
            return address
        }.value
        let figures = try #require(TaskStatistics.of(taskAddress: address))
        #expect(figures.jobs >= 4, "the scope did not start the task's figures again: \(figures)")
        table.unregister(taskAddress: address)
    }
}

/// A continuation parked by one task and resumed by another.
private final class Parked: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Void, Never>?, waiters: [CheckedContinuation<Void, Never>])>((nil, []))

    func park(_ continuation: CheckedContinuation<Void, Never>) {
        let waiters = state.withLock { state in
            state.continuation = continuation
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func waitUntilParked() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let parked = state.withLock { state -> Bool in
                if state.continuation != nil { return true }
                state.waiters.append(continuation)
                return false
            }
            if parked { continuation.resume() }
        }
    }

    func resume() {
        state.withLock { state in defer { state.continuation = nil }; return state.continuation }?.resume()
    }
}
