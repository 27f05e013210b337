import CModeSupport
import Synchronization

/// Maps a task's runtime address (== the address of its jobs) to the ``TaskAttribution`` that owns it.
///
/// Two copies are kept: a Swift dictionary for the watchdog and the console, and a fixed-size lock-free C
/// table of one-line labels (`c_mode_task_label_lookup`) that the crash handler reads from a signal handler.
///
/// ```swift
/// let address = withUnsafeCurrentTask { UInt(bitPattern: unsafeBitCast($0!, to: Int.self)) }
/// TaskAttributionTable.shared.register(taskAddress: address, TaskAttribution(taskName: "poll"))
/// defer { TaskAttributionTable.shared.unregister(taskAddress: address) }
/// ```
package final class TaskAttributionTable: Sendable {
    /// The process-wide table.
    package static let shared = TaskAttributionTable()

    private let entries = Mutex<[UInt: TaskAttribution]>([:])
    /// The executor figures of the tasks that ended, summed by service path ("-" without one): what `top`
    /// counts for a service besides its live tasks.
    private let ended = Mutex<[String: EndedFigures]>([:])

    /// Jobs and busy time of a service's ended tasks, summed.
    package struct EndedFigures: Sendable, Equatable {
        package var jobs: UInt64 = 0
        package var busyNanoseconds: UInt64 = 0
        package init(jobs: UInt64 = 0, busyNanoseconds: UInt64 = 0) {
            self.jobs = jobs
            self.busyNanoseconds = busyNanoseconds
        }
    }

    init() {}

    /// Records who owns the task at `taskAddress` (replacing a previous registration).
    ///
    /// ```swift
    /// TaskAttributionTable.shared.register(taskAddress: address, TaskAttribution(taskName: "flush"))
    /// ```
    package func register(taskAddress: UInt, _ attribution: TaskAttribution) {
        let label = attribution.label
        // The C table's writers must be serialised: write it under the same lock.
        entries.withLock { entries in
            entries[taskAddress] = attribution
            _ = label.withCString { c_mode_task_label_register(uintptr_t(taskAddress), $0) }
            // Its executor figures (TaskStatistics): the same writers, under the same lock.
            _ = c_mode_task_stats_track(uintptr_t(taskAddress))
        }
    }

    /// Forgets the task at `taskAddress` (call when the task finishes: addresses are reused).
    ///
    /// ```swift
    /// TaskAttributionTable.shared.unregister(taskAddress: address)
    /// ```
    package func unregister(taskAddress: UInt) {
        let final = entries.withLock { entries -> (String, TaskStatistics)? in
            let attribution = entries.removeValue(forKey: taskAddress)
            c_mode_task_label_unregister(uintptr_t(taskAddress))
            let figures = TaskStatistics.of(taskAddress: taskAddress)
            c_mode_task_stats_untrack(uintptr_t(taskAddress))
            return figures.map { (attribution?.servicePath ?? "-", $0) }
        }
        if let (service, figures) = final, figures.jobs > 0 {
            ended.withLock { ended in
                ended[service, default: EndedFigures()].jobs += figures.jobs
                ended[service, default: EndedFigures()].busyNanoseconds += figures.busyNanoseconds
            }
        }
    }

    /// The attribution registered for `taskAddress`, if any.
    ///
    /// ```swift
    /// let owner = report.jobAddress.flatMap { UInt($0.dropFirst(2), radix: 16) }
    ///     .flatMap { TaskAttributionTable.shared.lookup(taskAddress: $0) }
    /// ```
    package func lookup(taskAddress: UInt) -> TaskAttribution? {
        entries.withLock { $0[taskAddress] }
    }

    /// Number of registered tasks.
    package var count: Int { entries.withLock { $0.count } }

    /// The figures of the ended tasks, summed by service path (grows with the number of services, not tasks).
    package func endedFigures() -> [String: EndedFigures] { ended.withLock { $0 } }

    /// The label the crash handler would read for `taskAddress` from the lock-free C table.
    ///
    /// ```swift
    /// print(TaskAttributionTable.signalSafeLabel(taskAddress: address) ?? "unregistered")
    /// ```
    package static func signalSafeLabel(taskAddress: UInt) -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(C_MODE_TASK_LABEL_SIZE)) { buffer in
            let length = c_mode_task_label_lookup(uintptr_t(taskAddress), buffer.baseAddress!, Int32(buffer.count))
            guard length >= 0 else { return nil }
            return String(cString: buffer.baseAddress!)
        }
    }
}
