import CModeSupport

#if canImport(Glibc)
import Glibc
#endif

/// The async call chain of a suspended task, read from its task object by address: the continuation the task
/// resumes with (`Job::ResumeTask`), then, from its innermost async context (`AsyncTask::ResumeContext`)
/// outwards, each context's `ResumeParent` (the caller's continuation) by `Parent`.
///
/// Same mechanism as the task-local read: checked reads of our own memory (`process_vm_readv`), a bounded
/// walk, and the task's status and resumption re-read after it; a task that ran, resumed or ended meanwhile
/// reads ``AsyncStackReading/changed``, never a mixed chain. The layout (Diagnostics/Design/async-stacks.md) is
/// proven at first use by probe tasks suspended in known functions (``asyncStackSelfCheck()``); until then, or
/// after a mismatch, every read is ``AsyncStackReading/unavailable(_:)`` with the reason.
///
/// ```swift
/// TaskObjectReader.startAsyncStackSelfCheck()
/// if case .suspended(let stack) = TaskObjectReader.readAsyncStack(taskAddress: address) {
///     print(Symbolicator.shared.symbolicateAsyncStack(stack.continuations).map { $0.render() })
/// }
/// ```
extension TaskObjectReader {
    /// Where a suspended task keeps its resumption (Swift 6.3 on 64-bit Linux; see c_mode_task_object.h).
    package struct AsyncLayout: Sendable, Equatable {
        package var resumeTaskOffset: UInt32 = 56
        package var resumeContextOffset: UInt32 = 64
        package var statusOffset: UInt32 = 96
        package var runningBit: UInt32 = 0x800
        package var completeBit: UInt32 = 0x2000
        /// `ActiveTaskStatus::IsEnqueued`: runnable, waiting for a thread or an actor (shown, not relied on).
        package var enqueuedBit: UInt32 = 0x1000

        /// The layout of the Swift 6.3 runtime.
        package static let swift63 = AsyncLayout()

        var c: c_mode_async_layout {
            c_mode_async_layout(
                resume_task_offset: resumeTaskOffset, resume_context_offset: resumeContextOffset,
                status_offset: statusOffset, running_bit: runningBit, complete_bit: completeBit)
        }
    }

    /// A suspended task's chain, before symbolication.
    package struct SuspendedStack: Sendable, Equatable {
        /// Continuation addresses, innermost first (the task's resume function, then its callers').
        package var continuations: [UInt]
        /// Whether the chain reached the task's outermost context (otherwise it was cut).
        package var isComplete: Bool
        /// Whether the task is enqueued (runnable, waiting for a thread or a busy actor) rather than waiting.
        package var isEnqueued: Bool
    }

    /// What an async-stack read found.
    package enum AsyncStackReading: Sendable, Equatable {
        /// The task is suspended (or enqueued): its chain.
        case suspended(SuspendedStack)
        /// The task runs on a thread now (its native stack is the one to read).
        case running
        /// The task has completed.
        case ended
        /// The task changed state while being read: the chain was discarded.
        case changed
        /// The address holds no task, or its resumption looked implausible.
        case noTask
        /// Reads are off: the reason.
        case unavailable(String)
    }

    /// What the async-stack self-check proves: the layout, and the heap metadata of task objects.
    struct AsyncProof: Sendable, Equatable {
        var layout: AsyncLayout
        var taskMetadata: UInt
    }

    typealias AsyncState = ProvenLayout<AsyncProof>.State

    /// Process-wide, as the runtime layout it records is.
    private static let asyncProof = ProvenLayout<AsyncProof> { await runAsyncStackSelfCheck(layout: .swift63) }

    /// Whether async-stack reads are on; ``Availability/unchecked`` until the self-check has finished.
    ///
    /// ```swift
    /// if case .unavailable(let why) = TaskObjectReader.asyncStackAvailability { print(why) }
    /// ```
    package static var asyncStackAvailability: Availability { asyncProof.availability }

    /// Starts the async-stack self-check in a detached task, once per process; returns at once.
    ///
    /// ```swift
    /// TaskObjectReader.startAsyncStackSelfCheck()
    /// ```
    package static func startAsyncStackSelfCheck() { asyncProof.start() }

    /// Runs the async-stack self-check now (unless it has finished) and returns the availability it establishes.
    ///
    /// ```swift
    /// #expect(await TaskObjectReader.asyncStackSelfCheck() == .available)
    /// ```
    package static func asyncStackSelfCheck() async -> Availability { await asyncProof.run() }

    /// Waits (at most `timeout`, on the calling thread: for synchronous callers such as a console command) for
    /// the self-check to finish, starting it when nobody has; returns the availability it reached.
    package static func awaitAsyncStackSelfCheck(timeout: Duration) -> Availability {
        startAsyncStackSelfCheck()
        let deadline = ContinuousClock.now + timeout
        while asyncStackAvailability == .unchecked && ContinuousClock.now < deadline { usleep(1_000) }
        return asyncStackAvailability
    }

    /// Reads the async chain of the task at `taskAddress`.
    ///
    /// ```swift
    /// let reading = TaskObjectReader.readAsyncStack(taskAddress: record.runtimeAddress!)
    /// ```
    package static func readAsyncStack(taskAddress: UInt) -> AsyncStackReading {
        switch asyncProof.state {
        case .proven(let proof):
            return readAsyncStack(taskAddress: taskAddress, layout: proof.layout, taskMetadata: proof.taskMetadata)
        case .unchecked, .checking: return .unavailable("the start-up self-check has not finished")
        case .failed(let reason): return .unavailable(reason)
        case .inconclusive(let reason):
            asyncProof.start()  // checked again, in the background
            return .unavailable(ProvenLayout<AsyncProof>.inconclusiveReason(reason))
        }
    }

    static func readAsyncStack(taskAddress: UInt, layout: AsyncLayout, taskMetadata: UInt) -> AsyncStackReading {
        var raw = c_mode_async_stack()
        var cLayout = layout.c
        let status = c_mode_task_async_stack_read(taskAddress, taskMetadata, &cLayout, &raw)
        switch status {
        case C_MODE_ASYNC_STACK_OK:
            let count = Int(raw.count)
            let continuations = withUnsafeBytes(of: raw.frames) { bytes in
                Array(bytes.bindMemory(to: UInt.self).prefix(count))
            }
            return .suspended(SuspendedStack(
                continuations: continuations, isComplete: raw.complete != 0,
                isEnqueued: raw.status_flags & layout.enqueuedBit != 0))
        case C_MODE_ASYNC_STACK_RUNNING: return .running
        case C_MODE_ASYNC_STACK_COMPLETE: return .ended
        case C_MODE_ASYNC_STACK_CHANGED: return .changed
        default: return .noTask
        }
    }
}
