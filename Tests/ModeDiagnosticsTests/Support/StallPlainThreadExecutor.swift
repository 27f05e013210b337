import ModeThreads

/// A plain OS thread running submitted closures in order: an executor the watchdog cannot instrument per job,
/// watched by heartbeat (like a NIO event loop). Built from the package's own thread and queue.
final class StallPlainThreadExecutor: Sendable {
    private let queue = JobQueue<@Sendable () -> Void>(consumers: 1)
    private let thread: OwnedThread

    init(name: String) {
        let queue = self.queue
        do {
            thread = try OwnedThread.start(name: name) {
                while let next = queue.take() { next() }
            }
        } catch {
            preconditionFailure("\(error)")
        }
    }

    var tid: Int32 { thread.threadID }

    func submit(_ body: @escaping @Sendable () -> Void) {
        queue.push(body)
    }

    /// Stops the thread after the queued closures ran, and waits for it.
    func stop() {
        queue.close()
        thread.join()
    }
}
