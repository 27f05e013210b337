import CModeSupport

#if canImport(Glibc)
import Glibc
#endif

/// A pthread the library owns: started with a name, joinable.
///
/// Used for the executor threads and the watchdog: they must be real, named OS threads (not pool threads) so
/// that they keep running when the cooperative pool is stuck, show up by name in `/proc/self/task/*/comm`, and
/// get an alternate signal stack.
struct OwnedThread: Sendable {
    // A pthread_t is an opaque integer handle on Linux; joining from another thread is what it is for.
    private let handle: pthread_t

    /// Starts a thread named `name` (truncated to 15 bytes by the kernel) running `body`.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> OwnedThread {
        let box = Unmanaged.passRetained(StartBox(name: name, body: body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { context in
            let box = Unmanaged<StartBox>.fromOpaque(context!).takeRetainedValue()
            ThreadInventory.setCurrentThreadName(box.name)
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        return OwnedThread(handle: handle)
    }

    /// Waits for the thread to finish.
    func join() {
        pthread_join(handle, nil)
    }

    /// Lets the thread release its resources when it exits, without a join.
    func detach() {
        pthread_detach(handle)
    }

    /// Whether the caller is this thread.
    var isCurrent: Bool { pthread_equal(handle, pthread_self()) != 0 }

    private final class StartBox: Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
