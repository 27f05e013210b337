import Dispatch
import Synchronization

/// One named OS thread (`mode-symbols`) that runs every symbolication of a ``Symbolicator``, one at a time.
///
/// Symbolicating on whichever thread asks (the watchdog, a console session, the dump thread, the crash helper)
/// would need the image indexes and the per-address cache to be shared under contention; on one thread they are
/// built once (in the background, see ``Symbolicator/warmUp()``) and used by every caller without waiting on
/// each other. The thread is started on first use and lives as long as its symbolicator; idle, it waits on a
/// semaphore and costs nothing.
///
/// Work is served in submission order, which the stall watchdog relies on: a stall's end line is submitted after
/// its report and therefore logged after it.
final class SymbolicationThread: Sendable {
    private struct State {
        var thread: OwnedThread?
        var queue: [@Sendable () -> Void] = []
        var head = 0
    }

    private let name: String
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

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
        let start = state.withLock { state -> Bool in
            state.queue.append(body)
            return state.thread == nil
        }
        if start { startThread() }
        wakeup.signal()
    }

    /// Whether the caller is this symbolication thread.
    var isCurrent: Bool { state.withLock { $0.thread?.isCurrent ?? false } }

    /// Work submitted and not yet finished (for tests and the console's `stats`).
    var pending: Int { state.withLock { $0.queue.count - $0.head } }

    private func startThread() {
        state.withLock { state in
            guard state.thread == nil else { return }
            state.thread = OwnedThread.start(name: name) { [self] in self.run() }
        }
    }

    private func run() {
        AlternateSignalStack.installForCurrentThread()
        while true {
            wakeup.wait()
            while let next = dequeue() { next() }
        }
    }

    private func dequeue() -> (@Sendable () -> Void)? {
        state.withLock { state in
            guard state.head < state.queue.count else { return nil }
            let next = state.queue[state.head]
            state.head += 1
            if state.head == state.queue.count {
                state.queue.removeAll(keepingCapacity: true)
                state.head = 0
            }
            return next
        }
    }
}
