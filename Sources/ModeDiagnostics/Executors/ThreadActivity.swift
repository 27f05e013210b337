import CModeSupport

/// What one job-running thread is doing, read from the activity slots that the instrumented executors fill in.
///
/// Each thread that runs Swift jobs through an instrumented path (``InstrumentedTaskExecutor``, the global-pool
/// enqueue hooks of ``GlobalPoolInstrumentation``) owns one slot. Reading them is lock-free:
///
/// ```swift
/// for activity in ThreadActivity.snapshot() where activity.job != nil {
///     print("tid \(activity.threadID) busy since \(activity.startNanoseconds) ns")
/// }
/// ```
public struct ThreadActivity: Sendable, Equatable, Hashable {
    /// Which instrumented path drives the thread.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        enum Wrapped: Int32, Sendable { case unknown = 0, taskExecutor = 1, globalPool = 2 }
        let wrapped: Wrapped

        /// A thread of an ``InstrumentedTaskExecutor``.
        public static let taskExecutor = Kind(wrapped: .taskExecutor)
        /// A libdispatch thread running global-pool jobs through the enqueue hook.
        public static let globalPool = Kind(wrapped: .globalPool)
        /// Not known.
        public static let unknown = Kind(wrapped: .unknown)

        init(raw: Int32) { self.wrapped = Wrapped(rawValue: raw) ?? .unknown }
        init(wrapped: Wrapped) { self.wrapped = wrapped }

        public var description: String {
            switch wrapped {
            case .unknown: "unknown"
            case .taskExecutor: "task-executor"
            case .globalPool: "global-pool"
            }
        }
    }

    /// Kernel thread id.
    public var threadID: Int32
    /// Which instrumented path drives the thread.
    public var kind: Kind
    /// Address of the running job (for a task job, the task's address), `nil` when the thread is idle.
    public var job: UInt?
    /// Monotonic-clock nanoseconds when the running job started, at ``clockResolutionNanoseconds`` resolution
    /// (`CLOCK_MONOTONIC_COARSE`: the job started in `[start, start + resolution)`).
    public var startNanoseconds: UInt64
    /// Monotonic-clock nanoseconds when the previous job ended (same resolution).
    public var endNanoseconds: UInt64
    /// Number of (outermost) jobs this thread has started; changes when a new job begins.
    public var jobsRun: UInt64
    /// The task running on the thread now as ``TaskRunAccounting`` saw it start, `nil` when none or not known.
    /// Inside an actor's job ``job`` is the actor's job and this is the task the actor runs.
    public var runningTask: UInt?
    /// When the run of ``runningTask`` began (the clock of ``startNanoseconds``).
    public var runStartNanoseconds: UInt64

    /// Creates a value (for tests and replay).
    ///
    /// ```swift
    /// let idle = ThreadActivity(threadID: 42, kind: .globalPool, job: nil, startNanoseconds: 0,
    ///                           endNanoseconds: 0, jobsRun: 0)
    /// ```
    public init(threadID: Int32, kind: Kind, job: UInt?, startNanoseconds: UInt64, endNanoseconds: UInt64,
                jobsRun: UInt64, runningTask: UInt? = nil, runStartNanoseconds: UInt64 = 0) {
        self.threadID = threadID
        self.kind = kind
        self.job = job
        self.startNanoseconds = startNanoseconds
        self.endNanoseconds = endNanoseconds
        self.jobsRun = jobsRun
        self.runningTask = runningTask
        self.runStartNanoseconds = runStartNanoseconds
    }

    init(_ raw: c_mode_activity_snapshot) {
        self.init(threadID: raw.tid, kind: Kind(raw: raw.kind), job: raw.job == 0 ? nil : UInt(raw.job),
                  startNanoseconds: raw.start_ns, endNanoseconds: raw.end_ns, jobsRun: raw.jobs_run,
                  runningTask: raw.run_task == 0 || raw.job == 0 ? nil : UInt(raw.run_task),
                  runStartNanoseconds: raw.run_start_ns)
    }

    /// A consistent copy of every thread's slot.
    ///
    /// ```swift
    /// let busy = ThreadActivity.snapshot().filter { $0.job != nil }
    /// ```
    public static func snapshot() -> [ThreadActivity] {
        withUnsafeTemporaryAllocation(of: c_mode_activity_snapshot.self, capacity: Int(C_MODE_ACTIVITY_SLOT_COUNT)) {
            buffer in
            let count = Int(c_mode_activity_snapshot_all(buffer.baseAddress!, Int32(buffer.count)))
            return (0..<count).map { ThreadActivity(buffer[$0]) }
        }
    }

    /// The job (task address) running on the calling thread, if it runs through an instrumented path.
    ///
    /// ```swift
    /// let task = withUnsafeCurrentTask { unsafeBitCast($0!, to: UInt.self) }
    /// assert(ThreadActivity.currentJob == task)   // on an InstrumentedTaskExecutor or the hooked pool
    /// ```
    public static var currentJob: UInt? {
        let job = c_mode_activity_current_job()
        return job == 0 ? nil : UInt(job)
    }

    /// `CLOCK_MONOTONIC` now, in nanoseconds: the time base of ``startNanoseconds`` (at full resolution).
    public static var monotonicNanoseconds: UInt64 { c_mode_monotonic_ns() }

    /// Resolution of the slots' time stamps (one kernel tick, e.g. 4 ms): they use the coarse monotonic clock,
    /// which costs 7 ns per read instead of 43 ns (measured), twice per job.
    public static let clockResolutionNanoseconds: UInt64 = c_mode_activity_clock_resolution_ns()
}
