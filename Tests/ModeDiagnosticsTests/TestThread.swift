import Foundation
import ModeDiagnostics
import Synchronization

/// A real thread for capture tests: it names itself, publishes its tid, and runs `body` until released.
final class TestThread: Sendable {
    private let tidBox = Mutex<Int32>(0)
    private let started = DispatchSemaphore(value: 0)
    let releaseFDs: (read: Int32, write: Int32)

    init(name: String, body: @escaping @Sendable (TestThread) -> Void) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        releaseFDs = (fds[0], fds[1])
        let thread = Thread { [self] in
            ThreadInventory.setCurrentThreadName(name)
            tidBox.withLock { $0 = ThreadInventory.currentThreadID() }
            started.signal()
            body(self)
        }
        thread.start()
        started.wait()
    }

    var tid: Int32 { tidBox.withLock { $0 } }

    /// Blocks in read(2) until ``release()``.
    func waitForRelease() {
        var byte: UInt8 = 0
        while read(releaseFDs.read, &byte, 1) < 0 && errno == EINTR {}
    }

    func release() {
        var byte: UInt8 = 1
        _ = write(releaseFDs.write, &byte, 1)
    }

    /// Waits (by polling /proc, deadline 30 s) until the thread sleeps in the kernel.
    func waitUntilSleeping() -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if ThreadInventory.info(threadID: tid)?.state == "S" { return true }
            usleep(1000)
        }
        return false
    }
}
