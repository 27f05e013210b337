import Logging
import ModeCore

/// Builds a swift-mode service tree of a given ``ServiceShape`` and times `start()` and `stop()` of its root.
///
/// ```swift
/// let sample = try await ModeTreeBench.run(ServiceShape(count: 1_000, fanout: nil))
/// ```
public enum ModeTreeBench {
    /// An idle service: no hooks, no tasks.
    final class Node: Service {
        let lifecycle: ServiceLifecycleState

        init(logger: Logger? = nil) {
            lifecycle = ServiceLifecycleState(logger: logger, label: "n")
        }
    }

    /// A logger that discards everything, so the measurement is the lifecycle and not a log handler.
    public static let silentLogger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

    /// Builds the tree (not started).
    public static func build(_ shape: ServiceShape) throws -> any Service {
        let root = Node(logger: silentLogger)
        try attach(shape.count, under: root, shape: shape)
        return root
    }

    private static func attach(_ leaves: Int, under parent: Node, shape: ServiceShape) throws {
        if let parts = shape.split(leaves) {
            for part in parts {
                let inner = Node()
                try parent.addDependency(inner)
                try attach(part, under: inner, shape: shape)
            }
        } else {
            for _ in 0..<leaves { try parent.addDependency(Node()) }
        }
    }

    /// Builds, starts and stops one tree and returns the times and, with `measuringHeap`, the heap cost per
    /// service (see ``StartStopSample/bytesPerService`` for why timed samples leave it out).
    public static func run(_ shape: ServiceShape, measuringHeap: Bool = true) async throws -> StartStopSample {
        let clock = ContinuousClock()
        let heapBefore = measuringHeap ? HeapUsage.bytesInUse() : 0
        let root = try build(shape)
        let t0 = clock.now
        try await root.start()
        let t1 = clock.now
        let heapRunning = measuringHeap ? HeapUsage.bytesInUse() : 0
        await root.stop()
        let t2 = clock.now
        precondition(root.state == .shutdown, "the root did not stop")
        return StartStopSample(
            shape: shape, start: t1 - t0, stop: t2 - t1,
            bytesPerService: measuringHeap ? Double(heapRunning - heapBefore) / Double(shape.count) : nil)
    }
}
