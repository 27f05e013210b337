import CModeSupport
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// A pthread the library owns: started with a name, known by its kernel thread id, joinable.
///
/// The one way swift-mode starts a thread of its own: the executors' threads (``JobQueue`` consumers in
/// `InstrumentedTaskExecutor` and `DedicatedThreadExecutor`), the watchdog, the symbolication thread. They must
/// be real, named OS threads (not pool threads) so that they keep running when the cooperative pool is stuck and
/// show up by name in `/proc/self/task/*/comm`, `top -H` and gdb. The name is recorded in the library's name
/// table, so a thread that one of them creates (which starts with its creator's name) is listed as having
/// inherited it.
///
/// ```swift
/// let thread = try OwnedThread.start(name: "mode-watchdog") { runLoop() }
/// print(thread.threadID)   // known when start returns
/// thread.join()
/// ```
package struct OwnedThread: Sendable {
    /// `pthread_create` failed; `code` is its error number (`EAGAIN`: a thread limit was reached).
    package struct StartError: Error, Sendable, CustomStringConvertible {
        package let name: String
        package let code: Int32
        package var description: String { "could not start thread \(name): pthread_create error \(code)" }
    }

    // A pthread_t is an opaque integer handle on Linux; joining from another thread is what it is for.
    private let handle: pthread_t
    /// The thread's kernel thread id (`gettid`).
    package let threadID: Int32

    /// Starts a thread named `name` (truncated to 15 bytes by the kernel) running `body`, and returns once it
    /// runs (so ``threadID`` is known).
    package static func start(
        name: String, _ body: @escaping @Sendable () -> Void
    ) throws(StartError) -> OwnedThread {
        let box = StartBox(name: name, body: body)
        let retained = Unmanaged.passRetained(box).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { context in
            let box = Unmanaged<StartBox>.fromOpaque(context!).takeRetainedValue()
            OwnedThread.nameCurrentThread(box.name)
            box.threadID = c_mode_gettid()
            box.running.signal()
            box.body()
            return nil
        }, retained)
        guard result == 0 else {
            Unmanaged<StartBox>.fromOpaque(retained).release()
            throw StartError(name: name, code: result)
        }
        box.running.wait()
        return OwnedThread(handle: handle, threadID: box.threadID)
    }

    /// Waits for the thread to finish.
    package func join() {
        pthread_join(handle, nil)
    }

    /// Lets the thread release its resources when it exits, without a join.
    package func detach() {
        pthread_detach(handle)
    }

    /// Whether the caller is this thread.
    package var isCurrent: Bool { pthread_equal(handle, pthread_self()) != 0 }

    /// The calling thread's kernel thread id (`gettid`).
    package static var currentThreadID: Int32 { c_mode_gettid() }

    /// Names the calling thread (the kernel keeps 15 bytes) and records that the library gave it this name.
    package static func nameCurrentThread(_ name: String) {
        c_mode_set_thread_name(name)
    }

    private final class StartBox: @unchecked Sendable {
        // @unchecked Sendable: `threadID` is written by the new thread before `running.signal()` and read by
        // the creator after `running.wait()` returns (the semaphore orders the two); the rest is immutable.
        let name: String
        let body: @Sendable () -> Void
        let running = DispatchSemaphore(value: 0)
        var threadID: Int32 = 0
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
