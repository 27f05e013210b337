import CModeSupport

/// What the instrumented executors measured for one task: jobs run (polls), time holding a thread, time waiting
/// between enqueue and run, the longest job, and when the last job ended.
///
/// Kept for the tasks the attribution table knows (a Worker registers every task of its registry there). With
/// ``TaskRunAccounting`` installed (a Worker with a blocking timeout installs it after a self-check) a "job" is a
/// task *run*: from the moment the task starts or resumes on a thread until it suspends, whichever executor runs
/// it (an actor's job, a `ServiceThread`, the MainActor). Without it, the global-pool hooks and
/// ``InstrumentedTaskExecutor`` count each job they run (`c_mode_task_stats.h`), and a task whose work runs inside
/// an actor's jobs has none. Times use the activity slots' coarse clock (one kernel tick of resolution, see
/// ``ThreadActivity/clockResolution``): sums over many runs are right on average, a single run shorter than a tick
/// is not measured, and the longest is known to a tick. A scope opened inside a task (a request) shares its
/// task's figures.
///
/// ```swift
/// if let figures = TaskStatistics.of(taskAddress: address) {
///     print("\(figures.jobs) jobs, \(figures.busyNanoseconds / 1_000_000) ms busy")
/// }
/// ```
package struct TaskStatistics: Sendable, Equatable {
    /// Jobs of the task run so far.
    package var jobs: UInt64
    /// Time its jobs held a thread.
    package var busyNanoseconds: UInt64
    /// Time its jobs waited between enqueue and run (global-pool and executor queues).
    package var scheduledNanoseconds: UInt64
    /// The longest single job.
    package var longestJobNanoseconds: UInt64
    /// When its last job ended (``ThreadActivity/monotonicNanoseconds``'s coarse clock), `nil` before the first.
    package var lastRanNanoseconds: UInt64?

    /// The figures of the task at `taskAddress`, or `nil` when it is not accounted.
    package static func of(taskAddress: UInt) -> TaskStatistics? {
        var entry = c_mode_task_stats_entry()
        guard c_mode_task_stats_read(uintptr_t(taskAddress), &entry) == 1 else { return nil }
        return TaskStatistics(
            jobs: entry.jobs, busyNanoseconds: entry.busy_ns, scheduledNanoseconds: entry.scheduled_ns,
            longestJobNanoseconds: entry.longest_ns, lastRanNanoseconds: entry.last_end_ns == 0 ? nil : entry.last_end_ns)
    }

    /// Now on the clock of ``lastRanNanoseconds``.
    package static var now: UInt64 { c_mode_activity_now_ns() }

    /// Tasks accounted now.
    package static var trackedCount: Int { Int(c_mode_task_stats_count()) }
}
