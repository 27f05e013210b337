import CModeSupport
import ModeThreads
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The Swift task a thread runs now, read from that thread's copy of the concurrency runtime's thread-local
/// current task, without a signal and without touching the thread: for a thread blocked in the kernel on an
/// executor that records no job (the MainActor's main queue, a SwiftNIO event loop, an actor's job under the
/// Worker's executor), the stall report can then read the task object (``TaskObjectReader``) and name its
/// service.
///
/// The runtime's thread-local lives in libswift_Concurrency's static TLS block, at a fixed distance from each
/// thread's thread pointer (recorded per thread as it runs its first instrumented job or heartbeat). The distance
/// is private layout, so it is learnt and proven once: a task finds its own address in its thread's block, then
/// tasks blocked on two other threads must be read back by tid; otherwise the read stays off, with the reason.
/// Process-wide because the runtime's thread-locals are.
///
/// ```swift
/// CurrentTaskReader.startSelfCheck()
/// if let task = CurrentTaskReader.currentTask(ofThread: tid) { print(TaskObjectReader.read(taskAddress: task)) }
/// ```
package enum CurrentTaskReader {
    private enum State {
        case unchecked
        case checking(Task<Void, Never>)
        case proven
        case failed(String)
    }

    private static let state = Mutex(State.unchecked)

    /// Why the read is off, `nil` once proven (also while the self-check has not finished: "not checked yet").
    package static var unavailableReason: String? {
        switch state.withLock({ $0 }) {
        case .proven: nil
        case .unchecked, .checking: "not checked yet"
        case .failed(let reason): reason
        }
    }

    /// The address of the task thread `tid` runs now, when the read is proven and the thread's copy says one.
    /// Only for a thread blocked in a system call that stayed in it across the read (so the task read is the
    /// one blocked there): the stall reports' case.
    package static func currentTask(ofThread tid: Int32) -> UInt? {
        let task = c_mode_current_task_of_blocked(tid)
        return task == 0 ? nil : UInt(task)
    }

    /// Why the current task of thread `tid` was not read, for a report's `service: -` line.
    package static func explain(threadID tid: Int32) -> String {
        if let reason = unavailableReason { return "unavailable: \(reason)" }
        if c_mode_current_task_thread_known(tid) == 0 {
            return "thread \(tid) has run no instrumented job or heartbeat, so its thread-locals are not known"
        }
        return "no Swift task of this process is current on thread \(tid)"
    }

    /// Runs the self-check once per process, in a detached task; returns at once.
    package static func startSelfCheck() {
        state.withLock { state in
            guard case .unchecked = state else { return }
            state = .checking(
                Task.detached {
                    let failure = await runSelfCheck()
                    c_mode_current_task_enable(failure == nil ? 1 : 0)
                    Self.state.withLock { $0 = failure.map(State.failed) ?? .proven }
                })
        }
    }

    /// Runs the self-check now (unless it finished), waits for it and returns why the read is off, `nil` when
    /// proven.
    package static func selfCheck() async -> String? {
        startSelfCheck()
        if case .checking(let check) = state.withLock({ $0 }) { await check.value }
        return unavailableReason
    }

    /// `nil` when the distance was found and tasks blocked on two other threads read back by tid.
    static func runSelfCheck() async -> String? {
        let calibrated = await Task.detached { () -> Bool in
            c_mode_note_current_thread()
            let own = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
            return c_mode_current_task_calibrate(own) == 1
        }.value
        guard calibrated else { return "the runtime's current-task slot was not found in its thread-local block" }
        var proven = 0
        var attempts = 0
        while proven < 3 && attempts < 10 {
            attempts += 1
            // A task blocks on a thread of its own: read it from here by its tid while it certainly blocks (the
            // probe blocks until released; a read that came after it stopped blocking would prove nothing).
            let probe = BlockedProbe()
            // The reader is a thread of its own, not a task: it reads the probe within a fraction of a
            // millisecond of its start however busy the pool is, so the probe holds a pool thread only that long
            // (the check must not delay the program's own jobs).
            let reader: OwnedThread
            do {
                reader = try OwnedThread.start(name: "mode-tls-check") { probe.readWhenBlocked() }
            } catch {
                return "\(error)"
            }
            let task = Task.detached { probe.block() }
            await task.value
            reader.join()
            guard let (tid, address, read) = probe.result else { return "the probe task did not start" }
            let stillBlocking = probe.readWhileBlocking
            guard stillBlocking else { continue }
            if read != address {
                return "probe \(attempts): the slot of thread \(tid) held 0x\(String(read, radix: 16)), "
                    + "not its task 0x\(String(address, radix: 16))"
            }
            proven += 1
        }
        if proven < 3 { return "no probe task stayed blocked long enough to be read (\(attempts) tried)" }
        return nil
    }
}

/// A task that notes its thread, reports its tid and address, then blocks in the kernel until released.
private final class BlockedProbe: Sendable {
    private struct Shared {
        var started: (Int32, UInt)?
        var read: UInt?
        var released = false
        var gaveUp = false
    }

    private let shared = Mutex(Shared())

    /// The probe task: notes its thread, says who it is, then blocks in the kernel until the reader released it
    /// (60 s at most).
    func block() {
        c_mode_note_current_thread()
        let own = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
        shared.withLock { $0.started = (c_mode_gettid(), own) }
        var waited = 0
        while !shared.withLock({ $0.released }) {
            if waited >= 600_000 {
                shared.withLock { $0.gaveUp = true }
                return
            }
            usleep(100)
            waited += 1
        }
    }

    /// The reader thread: waits for the probe to start, reads its thread's current task, releases it.
    func readWhenBlocked() {
        var waited = 0
        while shared.withLock({ $0.started == nil }) && waited < 600_000 {
            usleep(100)
            waited += 1
        }
        guard let (tid, _) = shared.withLock({ $0.started }) else { return }
        usleep(200)  // let the probe enter its first sleep
        let read = c_mode_current_task_of(tid, 1)
        shared.withLock { shared in
            shared.read = read
            shared.released = true
        }
    }

    /// The probe's tid and task and what the reader read, once both are done.
    var result: (Int32, UInt, UInt)? {
        shared.withLock { shared in
            guard let (tid, task) = shared.started, let read = shared.read else { return nil }
            return (tid, task, read)
        }
    }

    /// Whether the read was made while the probe still blocked (it never gave up before being released).
    var readWhileBlocking: Bool { shared.withLock { !$0.gaveUp && $0.read != nil } }
}
