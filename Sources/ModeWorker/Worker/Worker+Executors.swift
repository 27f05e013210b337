import ModeDiagnostics
import NIOCore
import Synchronization

extension Worker {
    /// Watches the event loops of a SwiftNIO `EventLoopGroup` for stalls (a blocked event loop is reported
    /// for that loop only), by heartbeat. Call it before ``run()``.
    ///
    /// ```swift
    /// let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// worker.watch(eventLoopGroup: group, name: "http")
    /// ```
    public func watch(eventLoopGroup group: any EventLoopGroup, name: String = "nio") {
        for (index, loop) in group.makeIterator().enumerated() {
            watch(executorNamed: "\(name)-loop-\(index)") { beat in loop.execute(beat) }
        }
    }

    /// Watches any executor that can run a closure (a dispatch queue, a custom thread) for stalls, by
    /// heartbeat: `submit` must run the closure on that executor. Call it before ``run()``.
    ///
    /// ```swift
    /// worker.watch(executorNamed: "ingest-queue") { beat in queue.async(execute: beat) }
    /// ```
    public func watch(executorNamed name: String, submit: @escaping HeartbeatMonitor.Submit) {
        watchedExecutors.withLock { $0.append((name, submit)) }
    }
}
