import Dispatch
import ModeDiagnostics
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A plain OS thread running submitted closures in order: an executor the watchdog cannot instrument per job,
/// watched by heartbeat (like a NIO event loop).
final class StallPlainThreadExecutor: Sendable {
    private let work = Mutex<(queue: [@Sendable () -> Void], stopped: Bool)>(([], false))
    private let available = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    private let threadID = Mutex<Int32>(0)
    private let finished = DispatchSemaphore(value: 0)

    init(name: String) {
        let box = Unmanaged.passRetained(StartBox(executor: self, name: name)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { context in
            let box = Unmanaged<StartBox>.fromOpaque(context!).takeRetainedValue()
            ThreadInventory.setCurrentThreadName(box.name)
            box.executor.run()
            return nil
        }, box)
        precondition(result == 0)
        pthread_detach(handle)
        started.wait()
    }

    var tid: Int32 { threadID.withLock { $0 } }

    func submit(_ body: @escaping @Sendable () -> Void) {
        work.withLock { $0.queue.append(body) }
        available.signal()
    }

    /// Stops the thread after the queued closures ran, and waits for it.
    func stop() {
        work.withLock { $0.stopped = true }
        available.signal()
        finished.wait()
    }

    private func run() {
        threadID.withLock { $0 = ThreadInventory.currentThreadID() }
        started.signal()
        while true {
            available.wait()
            let (next, stopped): ((@Sendable () -> Void)?, Bool) = work.withLock { work in
                (work.queue.isEmpty ? nil : work.queue.removeFirst(), work.stopped)
            }
            if let next { next() } else if stopped { break }
        }
        finished.signal()
    }

    private final class StartBox: Sendable {
        let executor: StallPlainThreadExecutor
        let name: String
        init(executor: StallPlainThreadExecutor, name: String) {
            self.executor = executor
            self.name = name
        }
    }
}
