import CModeSupport
import ModeThreads
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A `TaskExecutor` (SE-0417) on its own named pthreads that records, for each thread, which job runs since when,
/// so ``StallWatchdog`` can see one stuck thread out of N.
///
/// Start work on it with a task executor preference; task-group children, `async let`, default actors and
/// resumptions after `Task.sleep` stay on it, while `Task {}` and `Task.detached` escape to the global pool
/// (cover that with ``GlobalPoolInstrumentation``):
///
/// ```swift
/// let executor = InstrumentedTaskExecutor(threadCount: 4)
/// let task = Task(executorPreference: executor) {
///     try await service.run()
/// }
/// try await task.value
/// executor.shutdown()   // joins the threads
/// ```
///
/// Threads are named `mode-exec-0` … `mode-exec-N-1` (visible in `/proc/self/task/*/comm`, `top -H`, gdb) and
/// each gets an alternate signal stack, so a stack overflow in a job still produces a crash report.
public final class InstrumentedTaskExecutor: TaskExecutor, Sendable {
    private let queue: JobQueue<UnownedJob>
    private let threads: Mutex<[OwnedThread]> = Mutex([])
    private let isShutDown = Atomic<Bool>(false)
    private var ownerID: UInt64 { UInt64(UInt(bitPattern: Unmanaged.passUnretained(queue).toOpaque())) }

    /// Kernel thread ids of the executor's threads, in start order.
    ///
    /// ```swift
    /// let watched = Set(executor.threadIDs)
    /// let configuration = StallWatchdog.Configuration(threadFilter: { watched.contains($0.threadID) })
    /// ```
    public var threadIDs: [Int32] { threadIDStorage.withLock { $0 } }
    private let threadIDStorage: Mutex<[Int32]> = Mutex([])

    /// Prefix of the thread names (`mode-exec-` by default; the index is appended).
    public let namePrefix: String

    /// Starts `threadCount` threads (default: the number of online CPUs, at least 2).
    ///
    /// Returns once every thread runs, so ``threadIDs`` is complete.
    ///
    /// ```swift
    /// let executor = InstrumentedTaskExecutor(threadCount: 2, namePrefix: "app-exec-")
    /// ```
    public init(threadCount: Int? = nil, namePrefix: String = "mode-exec-") {
        let count = max(1, threadCount ?? max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        self.namePrefix = namePrefix
        queue = JobQueue(consumers: count)
        var owned: [OwnedThread] = []
        for index in 0..<count {
            do {
                owned.append(try OwnedThread.start(name: "\(namePrefix)\(index)") { [self] in self.runLoop() })
            } catch {
                preconditionFailure("InstrumentedTaskExecutor: \(error)")
            }
        }
        threadIDStorage.withLock { $0 = owned.map(\.threadID) }
        threads.withLock { $0 = owned }
    }

    /// Enqueues a job (called by the Swift runtime).
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        // A job re-enqueueing itself from one of our threads (Task.yield, a hop back) is taken by this thread as
        // soon as the job returns, in FIFO order: waking a sleeping thread for it only costs a futex round trip.
        let address = unsafeBitCast(unowned, to: UInt.self)
        c_mode_task_stats_enqueued(uintptr_t(address), c_mode_activity_now_ns())
        let wake = c_mode_activity_is_self_enqueue(ownerID, address) == 0
        if case .refused = queue.push(unowned, wake: wake) {
            // After shutdown a job must still run somewhere: hand it to the global concurrent executor.
            globalConcurrentExecutor.enqueue(ExecutorJob(unowned))
        }
    }

    /// Stops the threads after the queued jobs ran and joins them. Jobs enqueued later run on the global
    /// concurrent executor. Must not be called from one of the executor's own threads.
    ///
    /// ```swift
    /// try await Task(executorPreference: executor) { try await app.run() }.value
    /// executor.shutdown()
    /// ```
    public func shutdown() {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.close()
        let owned = threads.withLock { threads in
            let owned = threads
            threads = []
            return owned
        }
        precondition(!owned.contains { $0.isCurrent }, "InstrumentedTaskExecutor.shutdown() called from its own thread")
        for thread in owned { thread.join() }
    }

    private func runLoop() {
        AlternateSignalStack.installForCurrentThread()
        c_mode_activity_set_owner(ownerID, Int32(C_MODE_ACTIVITY_KIND_TASK_EXECUTOR))
        let executor = asUnownedTaskExecutor()
        let kind = Int32(C_MODE_ACTIVITY_KIND_TASK_EXECUTOR)
        while let job = queue.take() {
            c_mode_activity_begin(unsafeBitCast(job, to: UInt.self), kind)
            job.runSynchronously(on: executor)
            c_mode_activity_end()
        }
        c_mode_activity_unregister_current_thread()
    }
}
