#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The thread, queue and shutdown state behind ``DedicatedThreadExecutor``.
final class DedicatedThreadCore: @unchecked Sendable {
    // @unchecked Sendable: every stored `var` below is read and written only while `condition` is locked
    // (each access is inside `condition.lock()`/`unlock()` or `locked { }`); the `let`s are immutable.

    enum WorkItem: Sendable {
        case job(UnownedJob)
        case call(ObjectIdentifier, perform: @Sendable () -> Void, cancel: @Sendable () -> Void)
    }

    private enum JoinState { case notJoined, joining, joined }

    /// Keeps the executor alive while a thread runs its loop.
    private final class ThreadContext {
        let core: DedicatedThreadCore
        let executor: DedicatedThreadExecutor
        let isFallback: Bool
        init(core: DedicatedThreadCore, executor: DedicatedThreadExecutor, isFallback: Bool) {
            self.core = core
            self.executor = executor
            self.isFallback = isFallback
        }
    }

    let name: String
    /// Whether tasks started from the thread are recorded for ``cancelStartedTasks`` (service threads).
    let tracksStartedTasks: Bool
    private let condition = NSCondition()
    private var queue: [WorkItem] = []
    private var head = 0
    private var shuttingDown = false
    private var exited = false
    private var exitWaiters: [@Sendable () -> Void] = []
    private var thread: pthread_t?
    private var kernelThreadID: Int32?
    private var started = false
    private var runningThreads: [pthread_t] = []
    private var fallbackRunning = false
    private var warnedAboutLateJobs = false
    private var joinState = JoinState.notJoined
    private var ledger = StartedTaskLedger()
    private var jobsRun: UInt64 = 0
    /// The address of the job the thread runs now (for a task job, the task), 0 between jobs: read by a
    /// watchdog to name the task of a stalled service thread.
    private let runningJob = Atomic<UInt>(0)

    init(name: String, tracksStartedTasks: Bool = false) {
        self.name = name
        self.tracksStartedTasks = tracksStartedTasks
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    var threadID: Int32? { locked { kernelThreadID } }
    /// The job running on the thread now (its address), if any.
    var runningJobAddress: UInt? {
        let job = runningJob.load(ordering: .relaxed)
        return job == 0 ? nil : job
    }
    var pendingCount: Int { locked { queue.count - head } }
    var isShuttingDown: Bool { locked { shuttingDown } }

    var isCurrentThread: Bool {
        let me = pthread_self()
        return locked { runningThreads.contains { pthread_equal($0, me) != 0 } }
    }

    /// Starts the thread and waits until it runs, so ``threadID`` is known when `init` returns.
    func start(executor: DedicatedThreadExecutor) throws(DedicatedThreadError) {
        let thread = try spawn(executor: executor, isFallback: false)
        locked {
            self.thread = thread
            while !started { condition.wait() }
        }
    }

    private func spawn(executor: DedicatedThreadExecutor, isFallback: Bool) throws(DedicatedThreadError) -> pthread_t {
        let context = Unmanaged.passRetained(ThreadContext(core: self, executor: executor, isFallback: isFallback))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let context = Unmanaged<ThreadContext>.fromOpaque(raw).takeRetainedValue()
            context.core.threadMain(executor: context.executor, isFallback: context.isFallback)
            return nil
        }, context.toOpaque())
        guard result == 0 else {
            context.release()
            throw DedicatedThreadError(.threadCreationFailed, "pthread_create failed for \(name): error \(result)")
        }
        if isFallback { pthread_detach(thread) }
        return thread
    }

    private func threadMain(executor: DedicatedThreadExecutor, isFallback: Bool) {
        let me = pthread_self()
        Self.nameCurrentThread(name)
        let tid = Self.currentKernelThreadID()
        locked {
            runningThreads.append(me)
            if !isFallback {
                kernelThreadID = tid
                started = true
                condition.broadcast()
            }
        }
        let serialExecutor = executor.asUnownedSerialExecutor()
        let taskExecutor = executor.asUnownedTaskExecutor()
        while true {
            condition.lock()
            while head == queue.count && !shuttingDown { condition.wait() }
            guard head < queue.count else {
                // Shutting down and drained: leave.
                runningThreads.removeAll { pthread_equal($0, me) != 0 }
                var waiters: [@Sendable () -> Void] = []
                if isFallback {
                    fallbackRunning = false
                } else {
                    exited = true
                    waiters = exitWaiters
                    exitWaiters = []
                }
                condition.broadcast()
                condition.unlock()
                for waiter in waiters { waiter() }
                return
            }
            let item = queue[head]
            head += 1
            if case .job(let job) = item {
                jobsRun &+= 1
                if tracksStartedTasks { ledger.jobWillRun(job) }
            }
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            switch item {
            case .job(let job):
                runningJob.store(unsafeBitCast(job, to: UInt.self), ordering: .relaxed)
                job.runSynchronously(isolatedTo: serialExecutor, taskExecutor: taskExecutor)
                runningJob.store(0, ordering: .relaxed)
            case .call(_, let perform, _): perform()
            }
        }
    }

    /// Queues a job; jobs are always accepted (a job is a task that must not be left suspended).
    func enqueue(_ item: WorkItem, executor: DedicatedThreadExecutor) {
        var startFallback = false
        var warn = false
        var finishedTasks: [AnyObject] = []
        defer { finishedTasks.removeAll() }  // released outside the lock: a task's deinit may enqueue
        let me = pthread_self()
        locked {
            if tracksStartedTasks, case .job(let job) = item {
                let onOwnThread = runningThreads.contains { pthread_equal($0, me) != 0 }
                finishedTasks = ledger.observe(job, onOwnThread: onOwnThread)
            }
            queue.append(item)
            if exited && !fallbackRunning {
                fallbackRunning = true
                startFallback = true
                warn = !warnedAboutLateJobs
                warnedAboutLateJobs = true
            }
            condition.signal()
        }
        if warn {
            let message = "warning: job enqueued on DedicatedThreadExecutor \(name) after shutdown; "
                + "running it on a fallback thread\n"
            var bytes = Array(message.utf8)
            _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
        if startFallback {
            do {
                _ = try spawn(executor: executor, isFallback: true)
            } catch {
                fatalError("\(error.message) (needed to run a job enqueued after shutdown)")
            }
        }
    }

    /// Queues a ``DedicatedThreadExecutor/run(_:)`` call, or returns the error if shutdown has begun.
    func submit(_ item: WorkItem, executor: DedicatedThreadExecutor) -> DedicatedThreadError? {
        let accepted = locked { () -> Bool in
            guard !shuttingDown else { return false }
            queue.append(item)
            condition.signal()
            return true
        }
        return accepted ? nil : DedicatedThreadError(.shutDown, "executor \"\(name)\" is shut down")
    }

    /// Removes a call that has not started yet and resumes its caller with `CancellationError`.
    func withdraw(_ id: ObjectIdentifier) {
        let cancel: (@Sendable () -> Void)? = locked {
            for index in head..<queue.count {
                if case .call(let callID, _, let cancel) = queue[index], callID == id {
                    queue.remove(at: index)
                    return cancel
                }
            }
            return nil
        }
        cancel?()
    }

    /// The tasks started from the thread (retained), and the number of jobs run so far.
    func startedTasks() -> (tasks: [StartedTaskLedger.Snapshot], jobsRun: UInt64) {
        locked { (ledger.snapshot(), jobsRun) }
    }

    /// Jobs run so far by the started task `key`, or `nil` once it has finished.
    func progress(ofStartedTask key: UInt) -> UInt64? {
        let progress = locked { ledger.progress(of: key) }
        return progress.jobsRun  // a finished task is released here, outside the lock
    }

    /// Jobs run on the thread so far.
    var jobsRunCount: UInt64 { locked { jobsRun } }

    /// Forgets (releases) the recorded tasks.
    func forgetStartedTasks() {
        var released = locked { ledger.removeAll() }
        released.removeAll()
    }

    func beginShutdown(onExit: (@Sendable () -> Void)?) {
        let runNow = locked { () -> Bool in
            shuttingDown = true
            condition.broadcast()
            if exited { return true }
            if let onExit { exitWaiters.append(onExit) }
            return false
        }
        if runNow { onExit?() }
    }

    /// Joins the thread once; concurrent callers wait until it is joined.
    func join() {
        let threadToJoin: pthread_t? = locked {
            switch joinState {
            case .joined: return nil
            case .joining:
                while joinState != .joined { condition.wait() }
                return nil
            case .notJoined:
                joinState = .joining
                return thread
            }
        }
        guard let threadToJoin else { return }
        pthread_join(threadToJoin, nil)
        locked {
            joinState = .joined
            condition.broadcast()
        }
    }

    /// Names the calling thread (what `top -H`, `gdb` and `/proc/<pid>/task/<tid>/comm` show). Writes
    /// `/proc/thread-self/comm`, which is `pthread_setname_np` without needing `_GNU_SOURCE` in Swift.
    static func nameCurrentThread(_ name: String) {
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        var bytes = Array(name.utf8)
        _ = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        #endif
    }

    /// The kernel thread id of the calling thread, from `/proc/thread-self` (Linux); `nil` elsewhere.
    static func currentKernelThreadID() -> Int32? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.split(separator: "/").last.flatMap { Int32($0) }
        #else
        return nil
        #endif
    }
}
