#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A serial executor and task executor backed by one named OS thread (mode's `ServiceThread` remedy for
/// blocking code).
///
/// Jobs run one at a time, in order, on the thread. Actors can adopt it as their executor, tasks can prefer
/// it, and ``run(_:)`` calls a closure on the thread and returns its result to the caller's thread.
/// ``shutdown()`` stops accepting ``run(_:)`` calls, lets the work already queued finish (it drains rather
/// than drops, so no task is left suspended forever) and joins the thread, so nothing is left behind.
///
/// ```swift
/// let executor = try DedicatedThreadExecutor(name: "mode-svc-db")
///
/// actor Database {
///     let executor: DedicatedThreadExecutor
///     nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
///     init(executor: DedicatedThreadExecutor) { self.executor = executor }
///     func query() -> Int { blockingQuery() }         // runs on "mode-svc-db"
/// }
///
/// let rows = try await executor.run { blockingQuery() }
/// await executor.shutdown()                            // joins the thread
/// ```
///
/// - Important: call ``shutdown()`` (or ``shutdownAndWait()``) before dropping the executor: the thread keeps
///   it alive until then. Jobs that still arrive after shutdown (an actor used after its thread was
///   stopped) run on a short-lived fallback thread, and a warning is written to standard error once, so a
///   misuse never leaves a task suspended forever.
public final class DedicatedThreadExecutor: SerialExecutor, TaskExecutor, CustomStringConvertible {
    /// The thread's name as set with `pthread_setname_np` (Linux keeps at most 15 bytes).
    public let threadName: String
    private let core: DedicatedThreadCore

    /// Starts a thread named `name` (truncated to 15 UTF-8 bytes).
    ///
    /// - Throws: ``DedicatedThreadError`` with ``DedicatedThreadError/Code/threadCreationFailed``.
    public convenience init(name: String) throws(DedicatedThreadError) {
        try self.init(name: name, tracksStartedTasks: false)
    }

    /// Starts a thread; with `tracksStartedTasks`, the tasks started from it are recorded for
    /// ``cancelStartedTasks()`` (a ``ServiceThread``'s executor).
    init(name: String, tracksStartedTasks: Bool) throws(DedicatedThreadError) {
        threadName = Self.truncatedThreadName(name)
        core = DedicatedThreadCore(name: threadName, tracksStartedTasks: tracksStartedTasks)
        try core.start(executor: self)
    }

    /// The kernel thread id (`gettid`) of the thread, for stack dumps and watchdogs (`nil` if unknown).
    public var threadID: Int32? { core.threadID }

    /// The address of the job the thread runs now (for a task's job, the task), `nil` between jobs.
    package var runningJobAddress: UInt? { core.runningJobAddress }

    /// Whether the caller runs on this executor's thread.
    public var isCurrentThread: Bool { core.isCurrentThread }

    /// Jobs and calls waiting to run.
    public var pendingCount: Int { core.pendingCount }

    /// Whether ``shutdown()`` has begun.
    public var isShuttingDown: Bool { core.isShuttingDown }

    /// Queues `job` to run on the thread (called by the Swift runtime for actors and tasks using this executor).
    public func enqueue(_ job: consuming ExecutorJob) {
        core.enqueue(UnownedJob(job), executor: self)
    }

    /// This executor as an actor's executor: `nonisolated var unownedExecutor: UnownedSerialExecutor {
    /// executor.asUnownedSerialExecutor() }`.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// This executor as a task executor, for `Task(executorPreference: executor) { ... }`.
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Traps unless called on the executor's thread (lets `assumeIsolated` work on it).
    public func checkIsolated() {
        precondition(isCurrentThread, "expected to run on thread \(threadName)")
    }

    /// Runs `body` on the thread and returns its result (or error) to the caller.
    ///
    /// If the calling task is cancelled before `body` started, `body` does not run and `CancellationError`
    /// is thrown; once started it runs to completion.
    ///
    /// ```swift
    /// let (value, onThread) = try await executor.run { (blockingRead(), executor.isCurrentThread) }
    /// ```
    ///
    /// - Throws: the error `body` throws; ``DedicatedThreadError`` (``DedicatedThreadError/Code/shutDown``)
    ///   once ``shutdown()`` has begun; `CancellationError`.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let call = DedicatedThreadCall(body: body)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                call.setContinuation(continuation)
                let item = DedicatedThreadCore.WorkItem.call(
                    ObjectIdentifier(call), perform: { call.perform() }, cancel: { call.cancel() })
                if let error = core.submit(item) { call.fail(error) }
            }
        } onCancel: {
            core.withdraw(ObjectIdentifier(call))
        }
    }

    /// Cancels every task started from the thread that nobody has cancelled yet (see ``StartedTaskLedger``)
    /// and waits until each has finished or run again on the thread, then until the thread is quiet; repeats while the tasks keep
    /// running (at most `maxRounds` rounds). A cancelled task that resumes elsewhere first (a nonisolated
    /// `Task.sleep`) comes back within microseconds; one that neither finishes nor comes back within
    /// `patience` is not waited for further (the runtime cannot tell a finished task that is still referenced
    /// from one suspended elsewhere). Returns the number of tasks cancelled. Call it from another thread,
    /// before ``shutdown()``.
    @discardableResult
    func cancelStartedTasks(maxRounds: Int = 100, patience: Duration = .milliseconds(50)) async -> Int {
        precondition(!isCurrentThread, "cancelStartedTasks() called on the executor's own thread \(threadName)")
        var cancelled = Set<UInt>()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: patience)
        for _ in 0..<maxRounds {
            let (tasks, jobsBefore) = core.startedTasks()
            var pending: [UInt: UInt64] = [:]
            for task in tasks {
                let pointer = UnsafeRawPointer(task.reference.toOpaque())
                // A task cancelled by someone else (the service API cancels its own tasks before this
                // runs) is its canceller's to await; the sweep waits only for those it cancels itself.
                if !cancelled.contains(task.key) && !TaskRuntime.isCancelled(pointer) {
                    cancelled.insert(task.key)
                    TaskRuntime.cancel(pointer)
                }
                if cancelled.contains(task.key) { pending[task.key] = task.jobsRun }
                task.reference.release()
            }
            // Each cancelled task either finishes or is scheduled again; one that resumes elsewhere first
            // (a nonisolated `Task.sleep`) comes back to the thread a moment later.
            while !pending.isEmpty {
                pending = pending.filter { key, before in core.progress(ofStartedTask: key).map { $0 == before } ?? false }
                if pending.isEmpty || clock.now >= deadline { break }
                _ = try? await run {}
                if !pending.isEmpty { try? await clock.sleep(for: .milliseconds(1)) }
            }
            _ = try? await run {}
            if core.jobsRunCount == jobsBefore || clock.now >= deadline { break }
        }
        return cancelled.count
    }

    /// Stops accepting ``run(_:)`` calls, waits until the queued work has run and joins the thread.
    ///
    /// Idempotent. Do not call it from the executor's own thread (it would wait for itself).
    ///
    /// ```swift
    /// await executor.shutdown()
    /// ```
    public func shutdown() async {
        precondition(!isCurrentThread, "DedicatedThreadExecutor.shutdown() called on its own thread \(threadName)")
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            core.beginShutdown(onExit: { continuation.resume() })
        }
        core.join()
        core.forgetStartedTasks()
    }

    /// Blocking variant of ``shutdown()`` for synchronous contexts (never call it on a cooperative thread
    /// that the queued work might need).
    public func shutdownAndWait() {
        precondition(!isCurrentThread, "DedicatedThreadExecutor.shutdownAndWait() called on its own thread \(threadName)")
        core.beginShutdown(onExit: nil)
        core.join()
        core.forgetStartedTasks()
    }

    public var description: String { "DedicatedThreadExecutor(\(threadName))" }

    static func truncatedThreadName(_ name: String) -> String {
        var bytes = 0
        var result = ""
        for character in name {
            let size = String(character).utf8.count
            guard bytes + size <= 15 else { break }
            bytes += size
            result.append(character)
        }
        return result
    }
}
