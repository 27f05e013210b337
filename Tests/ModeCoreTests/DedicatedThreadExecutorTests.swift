import Dispatch
import Foundation
import ModeCore
import Synchronization
import Testing

/// The kernel thread id of the calling thread (Linux).
private func currentThreadID() -> Int32? {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self"))
        .flatMap { $0.split(separator: "/").last }.flatMap { Int32($0) }
}

/// The name of thread `tid` of this process, or `nil` if no such thread exists.
private func threadName(_ tid: Int32) -> String? {
    (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Whether thread `tid` has left /proc. `pthread_join` returns when the kernel clears the thread's tid word,
/// which is slightly before its /proc entry goes: seen once in a full-suite run, so this waits for that event
/// (deadline 10 s) instead of reading /proc once.
private func threadIsGone(_ tid: Int32) -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while threadName(tid) != nil {
        if ContinuousClock.now > deadline { return false }
        usleep(1_000)
    }
    return true
}

/// Occupies `executor`'s thread until the returned gate is signalled; returns once the thread runs the
/// blocking call (woken by the call itself, no polling). Only the dedicated thread blocks, never a pool thread.
private func blockThread(of executor: DedicatedThreadExecutor) async -> (Task<Int, any Error>, DispatchSemaphore) {
    let gate = DispatchSemaphore(value: 0)
    let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
    let blocker = Task {
        try await executor.run {
            startedContinuation.yield()
            startedContinuation.finish()
            gate.wait()
            return 0
        }
    }
    for await _ in started { break }
    return (blocker, gate)
}

/// Starts `operation` in a task that runs synchronously on the calling thread up to its first suspension, so
/// a ``DedicatedThreadExecutor/run(_:)`` call is queued (or a shutdown has begun) when this returns: the
/// tests need no polling to know the executor's queue state.
@available(macOS 26, *)
private func startImmediately<T: Sendable>(
    _ operation: sending @escaping () async throws -> T
) -> Task<T, any Error> {
    Task.immediate { try await operation() }
}

private struct Failure: Error, Equatable { let code: Int }

private actor ThreadBoundCounter {
    let executor: DedicatedThreadExecutor
    private var count = 0
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(executor: DedicatedThreadExecutor) { self.executor = executor }

    func increment() -> (count: Int, onThread: Bool, tid: Int32?) {
        count += 1
        return (count, executor.isCurrentThread, currentThreadID())
    }
}

@Suite("DedicatedThreadExecutor")
struct DedicatedThreadExecutorTests {
    @Test func runExecutesOnTheNamedThreadAndReturnsAcrossThreads() async throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-test1")
        let tid = try #require(executor.threadID)
        #expect(threadName(tid) == "mode-svc-test1")
        let result = try await executor.run { (executor.isCurrentThread, currentThreadID(), "computed \(6 * 7)") }
        #expect(result.0)
        #expect(result.1 == tid)
        #expect(result.2 == "computed 42")
        #expect(currentThreadID() != tid)
        #expect(!executor.isCurrentThread)
        await executor.shutdown()
    }

    @Test func errorsPropagateToTheCaller() async throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-err")
        await #expect(throws: Failure(code: 7)) { try await executor.run { throw Failure(code: 7) } }
        #expect(try await executor.run { 1 } == 1)                    // still usable
        await executor.shutdown()
    }

    @Test func actorUsesTheThreadAsItsExecutor() async throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-actor")
        let counter = ThreadBoundCounter(executor: executor)
        var last = 0
        for _ in 0..<20 {
            let (count, onThread, tid) = await counter.increment()
            #expect(onThread)
            #expect(tid == executor.threadID)
            last = count
        }
        #expect(last == 20)
        // On the thread, the actor's isolation can be asserted (exercises `checkIsolated()`).
        let assumed = try await executor.run { counter.assumeIsolated { _ in executor.isCurrentThread } }
        #expect(assumed)
        await executor.shutdown()
    }

    @Test func jobsAfterShutdownRunOnAFallbackThreadInsteadOfHanging() async throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-late")
        let counter = ThreadBoundCounter(executor: executor)
        let tid = try #require(executor.threadID)
        #expect(await counter.increment().count == 1)
        await executor.shutdown()
        #expect(threadIsGone(tid))
        let late = await counter.increment()          // would hang forever without the fallback
        #expect(late.count == 2)
        #expect(late.onThread)
        #expect(late.tid != tid)
    }

    @Test func tasksPreferringTheExecutorRunOnTheThread() async throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-pref")
        let onThread = await Task(executorPreference: executor) { executor.isCurrentThread }.value
        #expect(onThread)
        await executor.shutdown()
    }

    @available(macOS 26, *)
    @Test func callsRunSeriallyInOrder() async throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-serial")
        let state = LockedValue<(running: Int, maxRunning: Int, order: [Int])>((0, 0, []))
        let (blocker, gate) = await blockThread(of: executor)
        var calls: [Task<Void, any Error>] = []
        for index in 0..<50 {
            calls.append(startImmediately {
                try await executor.run {
                    state.withLock { $0.running += 1; $0.maxRunning = max($0.maxRunning, $0.running); $0.order.append(index) }
                    state.withLock { $0.running -= 1 }
                }
            })
            #expect(executor.pendingCount == index + 1)                  // queued before the next one
        }
        gate.signal()
        #expect(try await blocker.value == 0)
        for call in calls { try await call.value }
        #expect(state.withLock { $0.maxRunning } == 1)
        #expect(state.withLock { $0.order } == Array(0..<50))
        await executor.shutdown()
    }

    @available(macOS 26, *)
    @Test func cancelledQueuedCallDoesNotRun() async throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-cancel")
        let ran = LockedValue(false)
        let (blocker, gate) = await blockThread(of: executor)
        let queued = startImmediately { try await executor.run { ran.withLock { $0 = true } } }
        #expect(executor.pendingCount == 1)
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(executor.pendingCount == 0)
        gate.signal()
        #expect(try await blocker.value == 0)
        await executor.shutdown()
        #expect(!ran.withLock { $0 })
    }

    @available(macOS 26, *)
    @Test func shutdownDrainsQueuedWorkJoinsTheThreadAndRejectsNewCalls() async throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-drain")
        let tid = try #require(executor.threadID)
        #expect(threadName(tid) == "mode-svc-drain")
        let (blocker, gate) = await blockThread(of: executor)
        let queued = (1...3).map { value in startImmediately { try await executor.run { value } } }
        #expect(executor.pendingCount == 3)
        let shutdown = startImmediately { await executor.shutdown() }
        #expect(executor.isShuttingDown)
        await #expect(throws: DedicatedThreadError.self) { try await executor.run { 99 } }
        gate.signal()
        try await shutdown.value
        #expect(try await blocker.value == 0)
        var drained: [Int] = []
        for task in queued { drained.append(try await task.value) }
        #expect(drained == [1, 2, 3])
        #expect(threadIsGone(tid))                                       // the thread is gone (joined)
        await executor.shutdown()                                        // idempotent
    }

    @Test func threadNamesAreTruncatedToFifteenBytes() throws {
        let executor = try DedicatedThreadExecutor(name: "mode-svc-a-very-long-service-name")
        #expect(executor.threadName == "mode-svc-a-very")
        #expect(executor.threadID.flatMap(threadName) == "mode-svc-a-very")
        executor.shutdownAndWait()
        #expect(executor.threadID.map(threadIsGone) != false)
    }
}

/// A value behind a `Mutex`, shareable between tasks and threads in tests.
private final class LockedValue<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
