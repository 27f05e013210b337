/// What the watchdog knows about the code a stalled thread runs, to find the task and service that own it.
///
/// ``StallWatchdog/Configuration/attributeTask`` answers it (the Worker answers from its task registry); the
/// default answer is ``TaskAttributionTable``'s entry for ``RunningTask/address`` or ``jobAddress``.
///
/// Times are `CLOCK_MONOTONIC` nanoseconds (``ThreadActivity/monotonicNanoseconds``): a task that ended after
/// it was seen running (the stall ended just after the capture) is still the owner, and a later task at the
/// same address is not.
///
/// ```swift
/// configuration.attributeTask = { query in
///     query.runningTask.flatMap { myTasks[$0.scopeID ?? 0] }
/// }
/// ```
public struct TaskAttributionQuery: Sendable, Hashable {
    /// The Swift task running on the thread, read in the capture signal handler, or, for a thread blocked in
    /// the kernel (read without a signal), read from the task object of ``jobAddress`` when the job is a task;
    /// `nil` when no task ran there or none could be read.
    public var runningTask: RunningTask?
    /// When ``runningTask`` was certainly running: just before the capture signal was sent (read from the job's
    /// task object: the poll that detected the stall).
    public var taskSeenNanoseconds: UInt64
    /// The job the executor started on the thread (for a task job, the task's address); `nil` for a
    /// heartbeat stall.
    public var jobAddress: UInt?
    /// When ``jobAddress`` was certainly running: the poll that detected the stall.
    public var jobSeenNanoseconds: UInt64

    /// Creates a query.
    public init(runningTask: RunningTask?, taskSeenNanoseconds: UInt64, jobAddress: UInt?, jobSeenNanoseconds: UInt64) {
        self.runningTask = runningTask
        self.taskSeenNanoseconds = taskSeenNanoseconds
        self.jobAddress = jobAddress
        self.jobSeenNanoseconds = jobSeenNanoseconds
    }

    /// Why no owner can be named, when the resolver found none: the line a stall report prints after
    /// `service: -`.
    ///
    /// ```swift
    /// print(query.unattributedReason(captured: true))
    /// ```
    ///
    /// - Parameters:
    ///   - captured: Whether the stack was captured.
    ///   - withoutSignal: Whether it was read without a signal (a thread blocked in the kernel): the running
    ///     task is then known only from the executor's job.
    public func unattributedReason(captured: Bool, withoutSignal: Bool = false) -> String {
        baseReason(captured: captured, withoutSignal: withoutSignal)
    }

    /// ``unattributedReason(captured:withoutSignal:)`` for a thread read without a signal whose job's task
    /// object was read (`taskObject`, ``TaskObjectReader``): when the job is no live task (an actor's job runs
    /// the actor's tasks inline) that is the reason; when the reader is off, its reason is appended.
    ///
    /// ```swift
    /// let why = query.unattributedReason(captured: true, withoutSignal: true, taskObject: .noTask)
    /// ```
    package func unattributedReason(captured: Bool, withoutSignal: Bool,
                                    taskObject: TaskObjectReader.Reading?) -> String {
        let reason = baseReason(captured: captured, withoutSignal: withoutSignal)
        guard withoutSignal, runningTask == nil, jobAddress != nil, let taskObject else { return reason }
        switch taskObject {
        case .task:
            return reason
        case .noTask:
            return "the thread is blocked in the kernel and was read without a signal, which cannot see the task "
                + "running on it, and its executor's job is no live task (an actor's job, which runs the actor's "
                + "tasks inline, or a job of another kind), so the task cannot be known"
        case .unavailable(let why):
            return reason + " (task-object read unavailable: \(why))"
        }
    }

    private func baseReason(captured: Bool, withoutSignal: Bool) -> String {
        guard let running = runningTask else {
            if !captured {
                return jobAddress == nil
                    ? "the stack was not captured, so the running task is unknown"
                    : "job not registered by a service, and the stack was not captured to read its task"
            }
            if withoutSignal {
                return jobAddress == nil
                    ? "the thread is blocked in the kernel and was read without a signal, which cannot see the task "
                        + "running on it, and its executor reports no job"
                    : "the thread is blocked in the kernel and was read without a signal, which cannot see the task "
                        + "running on it; its executor's job is not a task registered by a service (a child task or "
                        + "a Task {} inherits its service only through a task-local, read by the signal)"
            }
            return "no Swift task was running on the thread: a closure run by an event loop, a dispatch queue "
                + "or a thread of its own belongs to no task, hence to no service"
        }
        if let scope = running.scopeID {
            return "its service task (id \(scope)) is no longer in the task registry's history"
        }
        switch running.relation {
        case .asyncLetChild, .groupChild:
            return "a child task of a task created outside any service task (Task.detached, the main task, "
                + "a library's task): no swift-mode task id to inherit"
        case .unstructured:
            return "a task created outside any service task: it inherits no swift-mode task id "
                + "(Task.detached, the main task, a library's task)"
        }
    }
}
