import Synchronization

/// Concurrent callers share one in-flight execution and its result (mode's `@stampede`).
///
/// While an operation started through ``run(_:)`` is running, further callers do not start their own: they
/// wait for the running one and get its result (or its error). The first call after it completes starts a
/// new execution. The shared execution runs in its own task, so cancelling one caller neither cancels it nor
/// fails the other callers; the cancelled caller still receives the shared result.
///
/// ```swift
/// actor Config {
///     private let reload = SingleFlight<[String: String]>()
///     func current() async throws -> [String: String] {
///         try await reload.run { try await fetchConfigFromNetwork() }   // 100 callers, 1 fetch
///     }
/// }
/// ```
public final class SingleFlight<Value: Sendable>: Sendable {
    private struct InFlight {
        let generation: UInt64
        let task: Task<Value, any Error>
        var callers: Int
    }

    private struct State {
        var generation: UInt64 = 0
        var inFlight: InFlight?
    }

    private let state = Mutex(State())

    /// Creates an idle single-flight gate.
    public init() {}

    /// Whether an execution is in flight.
    public var isRunning: Bool { state.withLock { $0.inFlight != nil } }

    /// How many callers share the execution in flight (0 when idle).
    public var callerCount: Int { state.withLock { $0.inFlight?.callers ?? 0 } }

    /// Runs `operation`, or joins the execution already in flight, and returns its result.
    ///
    /// ```swift
    /// let value = try await flight.run { try await expensiveComputation() }
    /// ```
    public func run(_ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = state.withLock { state -> Task<Value, any Error> in
            if state.inFlight != nil {
                state.inFlight!.callers += 1
                return state.inFlight!.task
            }
            state.generation += 1
            let generation = state.generation
            let task = Task<Value, any Error> { [self] in
                defer { finish(generation) }
                return try await operation()
            }
            state.inFlight = InFlight(generation: generation, task: task, callers: 1)
            return task
        }
        return try await task.value
    }

    private func finish(_ generation: UInt64) {
        state.withLock { state in
            if state.inFlight?.generation == generation { state.inFlight = nil }
        }
    }
}
