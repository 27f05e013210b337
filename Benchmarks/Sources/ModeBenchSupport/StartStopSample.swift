/// One start+stop measurement of a service tree.
///
/// ```swift
/// let sample = try await ModeTreeBench.run(ServiceShape(count: 100, fanout: 10))
/// print(sample.startMicrosecondsPerService)
/// ```
public struct StartStopSample: Sendable {
    /// The shape measured.
    public var shape: ServiceShape
    /// Wall time to start every service.
    public var start: Duration
    /// Wall time to stop every service.
    public var stop: Duration
    /// Heap bytes in use while all services ran, minus before they were created (mallinfo2), per leaf service;
    /// `nil` for a timed sample. `mallinfo2` walks every free chunk of every arena: read between the start and
    /// the stop, it evicts the tree from the cache right before its stop is timed (flat N=100 stop 0.23-0.25
    /// µs/svc with it, 0.16 without, alternating runs on 2026-12-07), so the heap is read in samples of its own.
    public var bytesPerService: Double?

    /// Creates a sample.
    public init(shape: ServiceShape, start: Duration, stop: Duration, bytesPerService: Double?) {
        self.shape = shape
        self.start = start
        self.stop = stop
        self.bytesPerService = bytesPerService
    }

    /// Start time per leaf service, microseconds.
    public var startMicrosecondsPerService: Double { start.microseconds / Double(shape.count) }
    /// Stop time per leaf service, microseconds.
    public var stopMicrosecondsPerService: Double { stop.microseconds / Double(shape.count) }
}

extension Duration {
    /// The duration in microseconds, as a `Double`.
    public var microseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    }

    /// The duration in nanoseconds, as a `Double`.
    public var nanoseconds: Double { microseconds * 1e3 }
}
