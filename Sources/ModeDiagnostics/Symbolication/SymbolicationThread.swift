import Dispatch
import ModeThreads
import Synchronization

/// One named OS thread (`mode-symbols`) that runs every symbolication of a ``Symbolicator``, one at a time.
///
/// Symbolicating on whichever thread asks (the watchdog, a console session, the dump thread, the crash helper)
/// would need the image indexes and the per-address cache to be shared under contention; on one thread they are
/// built once (in the background, see ``Symbolicator/warmUp()``) and used by every caller without waiting on
/// each other. The thread is started on first use and lives as long as its symbolicator; idle, it sleeps in its
/// `JobQueue` (the package's one thread-and-queue mechanism) and costs nothing.
///
/// Work is served in submission order, which the stall watchdog relies on: a stall's end line is submitted after
/// its report and therefore logged after it.
final class SymbolicationThread: Sendable {
    private let name: String
    private let thread = Mutex<OwnedThread?>(nil)
    private let queue = JobQueue<@Sendable () -> Void>(consumers: 1)

    init(name: String = "mode-symbols") {
        self.name = name
    }

    /// Runs `body` on the thread, after the work submitted before it, and returns its result. Called on the
    /// thread itself (from submitted work), it runs `body` inline.
    func sync<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        if isCurrent { return body() }
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        submit {
            let value = body()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    /// Queues `body` to run on the thread and returns at once.
    func submit(_ body: @escaping @Sendable () -> Void) {
        queue.push(body)
        if thread.withLock({ $0 == nil }) { startThread() }
    }

    /// Whether the caller is this symbolication thread.
    var isCurrent: Bool { thread.withLock { $0?.isCurrent ?? false } }

    /// Work submitted and not started yet (for tests and the console's `stats`).
    var pending: Int { queue.pendingCount }

    private func startThread() {
        thread.withLock { thread in
            guard thread == nil else { return }
            do {
                thread = try OwnedThread.start(name: name) { [queue] in
                    AlternateSignalStack.installForCurrentThread()
                    while let next = queue.take() { next() }
                }
            } catch {
                preconditionFailure("swift-mode: \(error)")
            }
        }
    }
}
