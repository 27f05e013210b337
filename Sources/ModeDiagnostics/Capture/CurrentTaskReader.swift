import CModeSupport
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
        case unchecked, checking
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
        let start = state.withLock { state -> Bool in
            guard case .unchecked = state else { return false }
            state = .checking
            return true
        }
        guard start else { return }
        Task.detached {
            let failure = await runSelfCheck()
            c_mode_current_task_enable(failure == nil ? 1 : 0)
            state.withLock { $0 = failure.map(State.failed) ?? .proven }
        }
    }

    /// Runs the self-check now (unless it finished) and returns why the read is off, `nil` when proven.
    package static func selfCheck() async -> String? {
        startSelfCheck()
        while case .checking = state.withLock({ $0 }) { await Task.yield() }
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
            let task = Task.detached { probe.block() }
            guard let (tid, address) = await probe.started() else { return "the probe task did not start" }
            let read = c_mode_current_task_of(tid, 1)
            let stillBlocking = probe.release()
            await task.value
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
        var released = false
        var gaveUp = false
    }

    private let shared = Mutex(Shared())

    func block() {
        c_mode_note_current_thread()
        let own = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
        shared.withLock { $0.started = (c_mode_gettid(), own) }
        // At most 60 s (a self-check that never reads is abandoned, not left blocking a pool thread forever).
        var waited = 0
        while !shared.withLock({ $0.released }) {
            if waited >= 60_000 {
                shared.withLock { $0.gaveUp = true }
                return
            }
            usleep(1_000)
            waited += 1
        }
    }

    func started() async -> (Int32, UInt)? {
        for _ in 0..<60_000 {
            if let started = shared.withLock({ $0.started }) { return started }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return nil
    }

    /// Releases the probe; whether it was still blocking (so a read made before this call saw it blocked).
    func release() -> Bool {
        shared.withLock { shared in
            shared.released = true
            return !shared.gaveUp
        }
    }
}
