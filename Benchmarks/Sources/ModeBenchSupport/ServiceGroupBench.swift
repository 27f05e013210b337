import Logging
import ServiceLifecycle
import Synchronization

/// The peer: the same shapes as `ServiceGroup`s of swift-service-lifecycle (nested groups for trees). Start is
/// the time until every leaf's `run()` has begun; stop is `triggerGracefulShutdown()` until `run()` returns.
///
/// ```swift
/// let sample = try await ServiceGroupBench.run(ServiceShape(count: 1_000, fanout: 10))
/// ```
public enum ServiceGroupBench {
    /// Counts leaves whose `run()` began and wakes the measuring task when all did.
    final class Arrivals: Sendable {
        let expected: Int
        let count = Atomic<Int>(0)
        let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let done = Atomic<Bool>(false)

        init(expected: Int) { self.expected = expected }

        func arrive() {
            if count.add(1, ordering: .acquiringAndReleasing).newValue == expected {
                done.store(true, ordering: .releasing)
                waiter.withLock { $0.take() }?.resume()
            }
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = waiter.withLock { waiter -> Bool in
                    if done.load(ordering: .acquiring) { return true }
                    waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// An idle service: marks its arrival, then waits for graceful shutdown.
    struct Idle: Service {
        let arrivals: Arrivals
        func run() async throws {
            arrivals.arrive()
            try? await gracefulShutdown()
        }
    }

    static let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

    static func group(_ leaves: Int, shape: ServiceShape, arrivals: Arrivals) -> ServiceGroup {
        let services: [any Service]
        if let parts = shape.split(leaves) {
            services = parts.map { group($0, shape: shape, arrivals: arrivals) }
        } else {
            services = (0..<leaves).map { _ in Idle(arrivals: arrivals) }
        }
        return ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [], logger: logger))
    }

    /// Builds, runs and gracefully shuts down one group tree; with `measuringHeap`, also the heap cost per
    /// service (as ``ModeTreeBench/run(_:measuringHeap:)``).
    public static func run(_ shape: ServiceShape, measuringHeap: Bool = true) async throws -> StartStopSample {
        let clock = ContinuousClock()
        let heapBefore = measuringHeap ? HeapUsage.bytesInUse() : 0
        let arrivals = Arrivals(expected: shape.count)
        let root = group(shape.count, shape: shape, arrivals: arrivals)
        let t0 = clock.now
        let running = Task { try await root.run() }
        await arrivals.wait()
        let t1 = clock.now
        let heapRunning = measuringHeap ? HeapUsage.bytesInUse() : 0
        await root.triggerGracefulShutdown()
        try await running.value
        let t2 = clock.now
        return StartStopSample(
            shape: shape, start: t1 - t0, stop: t2 - t1,
            bytesPerService: measuringHeap ? Double(heapRunning - heapBefore) / Double(shape.count) : nil)
    }
}
