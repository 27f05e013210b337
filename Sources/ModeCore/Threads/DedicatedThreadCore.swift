#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ModeThreads
import Synchronization

/// The thread, queue and shutdown state behind ``DedicatedThreadExecutor``: one ``OwnedThread`` taking work
/// from a ``JobQueue`` (the same thread and queue as every executor of the package), plus what a dedicated
/// thread adds: ``DedicatedThreadExecutor/run(_:)`` calls, a fallback thread for jobs that arrive after it
/// exited, and the ledger of tasks started from it.
final class DedicatedThreadCore: @unchecked Sendable {
    // @unchecked Sendable: `threadsState` is read and written only inside `withThreads` (under `threadsLock`),
    // the other `var`s only while `lifecycle` is locked; the queue and the atomics synchronize themselves; the
    // `let`s are immutable.

    enum WorkItem: Sendable {
        case job(UnownedJob)
        case call(ObjectIdentifier, perform: @Sendable () -> Void, cancel: @Sendable () -> Void)
    }

    private enum JoinState { case notJoined, joining, joined }

    /// What the executor's threads share with callers: who runs the loop, and (service threads) the tasks
    /// started from it with the job count the sweep compares.
    private struct Threads {
        var running: [pthread_t] = []
        var ledger = StartedTaskLedger()
        var jobsRun: UInt64 = 0
    }

    let name: String
    /// Whether tasks started from the thread are recorded for ``cancelStartedTasks`` (service threads).
    let tracksStartedTasks: Bool
    private let queue = JobQueue<WorkItem>(consumers: 1, initialCapacity: 64)
    private let threadsLock = NSLock()
    private var threadsState = Threads()
    /// The address of the job the thread runs now (for a task job, the task), 0 between jobs: read by a
    /// watchdog to name the task of a stalled service thread.
    private let runningJob = Atomic<UInt>(0)
    private let warnedAboutLateJobs = Atomic<Bool>(false)
    private let lifecycle = NSCondition()
    private var thread: OwnedThread?
    private var exited = false
    private var exitWaiters: [@Sendable () -> Void] = []
    private var joinState = JoinState.notJoined

    init(name: String, tracksStartedTasks: Bool = false) {
        self.name = name
        self.tracksStartedTasks = tracksStartedTasks
    }

    private func withThreads<R>(_ body: (inout Threads) throws -> R) rethrows -> R {
        threadsLock.lock()
        defer { threadsLock.unlock() }
        return try body(&threadsState)
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        lifecycle.lock()
        defer { lifecycle.unlock() }
        return try body()
    }

    var threadID: Int32? { locked { thread?.threadID } }
    /// The job running on the thread now (its address), if any.
    var runningJobAddress: UInt? {
        let job = runningJob.load(ordering: .relaxed)
        return job == 0 ? nil : job
    }
    var pendingCount: Int { queue.pendingCount }
    var isShuttingDown: Bool { queue.isClosed }

    var isCurrentThread: Bool {
        let me = pthread_self()
        return withThreads { $0.running.contains { pthread_equal($0, me) != 0 } }
    }

    /// Starts the thread; ``threadID`` is known when it returns.
    func start(executor: DedicatedThreadExecutor) throws(DedicatedThreadError) {
        let thread = try spawn(executor: executor, isFallback: false)
        locked { self.thread = thread }
    }

    private func spawn(executor: DedicatedThreadExecutor, isFallback: Bool) throws(DedicatedThreadError) -> OwnedThread {
        do {
            return try OwnedThread.start(name: name) { [self] in
                threadMain(executor: executor, isFallback: isFallback)
            }
        } catch {
            throw DedicatedThreadError(.threadCreationFailed, "pthread_create failed for \(name): error \(error.code)")
        }
    }

    private func threadMain(executor: DedicatedThreadExecutor, isFallback: Bool) {
        let me = pthread_self()
        withThreads { $0.running.append(me) }
        let serialExecutor = executor.asUnownedSerialExecutor()
        let taskExecutor = executor.asUnownedTaskExecutor()
        while let item = queue.take() {
            switch item {
            case .job(let job):
                if tracksStartedTasks {
                    withThreads {
                        $0.jobsRun &+= 1
                        $0.ledger.jobWillRun(job)
                    }
                }
                runningJob.store(unsafeBitCast(job, to: UInt.self), ordering: .relaxed)
                job.runSynchronously(isolatedTo: serialExecutor, taskExecutor: taskExecutor)
                runningJob.store(0, ordering: .relaxed)
            case .call(_, let perform, _):
                perform()
            }
        }
        // Shut down and drained: leave.
        withThreads { $0.running.removeAll { pthread_equal($0, me) != 0 } }
        guard !isFallback else { return }
        let waiters: [@Sendable () -> Void] = locked {
            exited = true
            defer { exitWaiters = [] }
            lifecycle.broadcast()
            return exitWaiters
        }
        for waiter in waiters { waiter() }
    }

    /// Queues a job; jobs are always accepted (a job is a task that must not be left suspended).
    func enqueue(_ job: UnownedJob, executor: DedicatedThreadExecutor) {
        if tracksStartedTasks {
            var finishedTasks: [AnyObject] = []
            defer { finishedTasks.removeAll() }  // released outside the lock: a task's deinit may enqueue
            let me = pthread_self()
            withThreads { threads in
                let onOwnThread = threads.running.contains { pthread_equal($0, me) != 0 }
                finishedTasks = threads.ledger.observe(job, onOwnThread: onOwnThread)
            }
        }
        guard queue.push(.job(job), whenClosed: .queue) == .queuedNeedsConsumer else { return }
        // The thread has exited (an actor used after its thread was stopped): run it on a fallback thread.
        if !warnedAboutLateJobs.exchange(true, ordering: .relaxed) {
            let message = "warning: job enqueued on DedicatedThreadExecutor \(name) after shutdown; "
                + "running it on a fallback thread\n"
            var bytes = Array(message.utf8)
            _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
        do {
            try spawn(executor: executor, isFallback: true).detach()
        } catch {
            fatalError("\(error.message) (needed to run a job enqueued after shutdown)")
        }
    }

    /// Queues a ``DedicatedThreadExecutor/run(_:)`` call, or returns the error if shutdown has begun.
    func submit(_ item: WorkItem) -> DedicatedThreadError? {
        guard queue.push(item, whenClosed: .refuse) == .refused else { return nil }
        return DedicatedThreadError(.shutDown, "executor \"\(name)\" is shut down")
    }

    /// Removes a call that has not started yet and resumes its caller with `CancellationError`.
    func withdraw(_ id: ObjectIdentifier) {
        let withdrawn = queue.withdraw { item in
            if case .call(let callID, _, _) = item { return callID == id }
            return false
        }
        if case .call(_, _, let cancel) = withdrawn { cancel() }
    }

    /// The tasks started from the thread (retained), and the number of jobs run so far.
    func startedTasks() -> (tasks: [StartedTaskLedger.Snapshot], jobsRun: UInt64) {
        withThreads { ($0.ledger.snapshot(), $0.jobsRun) }
    }

    /// Jobs run so far by the started task `key`, or `nil` once it has finished.
    func progress(ofStartedTask key: UInt) -> UInt64? {
        let progress = withThreads { $0.ledger.progress(of: key) }
        return progress.jobsRun  // a finished task is released here, outside the lock
    }

    /// Jobs run on the thread so far (counted when the executor tracks started tasks).
    var jobsRunCount: UInt64 { withThreads { $0.jobsRun } }

    /// Forgets (releases) the recorded tasks.
    func forgetStartedTasks() {
        var released = withThreads { $0.ledger.removeAll() }
        released.removeAll()
    }

    func beginShutdown(onExit: (@Sendable () -> Void)?) {
        queue.close()
        let runNow = locked { () -> Bool in
            if exited { return true }
            if let onExit { exitWaiters.append(onExit) }
            return false
        }
        if runNow { onExit?() }
    }

    /// Joins the thread once; concurrent callers wait until it is joined.
    func join() {
        let threadToJoin: OwnedThread? = locked {
            switch joinState {
            case .joined: return nil
            case .joining:
                while joinState != .joined { lifecycle.wait() }
                return nil
            case .notJoined:
                joinState = .joining
                return thread
            }
        }
        guard let threadToJoin else { return }
        threadToJoin.join()
        locked {
            joinState = .joined
            lifecycle.broadcast()
        }
    }
}
