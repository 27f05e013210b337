import Foundation
import ModeDiagnostics
import ModeThreads

/// A real thread for capture tests: it names itself, publishes its tid, and runs `body` until released.
final class TestThread: Sendable {
    let tid: Int32
    let releaseFDs: (read: Int32, write: Int32)

    init(name: String, body: @escaping @Sendable (TestThread) -> Void) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        releaseFDs = (fds[0], fds[1])
        let release = DispatchSemaphore(value: 0)
        let box = Box()
        do {
            let thread = try OwnedThread.start(name: name) {
                release.wait()
                body(box.owner!)
            }
            thread.detach()
            tid = thread.threadID
        } catch {
            preconditionFailure("\(error)")
        }
        box.owner = self
        release.signal()
    }

    /// Hands the thread its owner once `init` has finished (the semaphore orders the write and the read).
    private final class Box: @unchecked Sendable {
        var owner: TestThread?
    }

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
