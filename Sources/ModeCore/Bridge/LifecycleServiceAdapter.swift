import ServiceLifecycle

/// Runs a swift-mode service inside a swift-service-lifecycle `ServiceGroup` (Hummingbird, Vapor and
/// swift-otel applications run one).
///
/// `run()` starts the service (and its tree), waits until it stops, crashes, or the group asks for a
/// graceful shutdown (or cancels), then stops it. A crash is rethrown, so the group's failure policy
/// applies.
///
/// ```swift
/// let group = ServiceGroup(
///     services: [LifecycleServiceAdapter(App()), httpServer],
///     gracefulShutdownSignals: [.sigterm],
///     logger: logger
/// )
/// try await group.run()
/// ```
public struct LifecycleServiceAdapter: ServiceLifecycle.Service {
    /// The adapted swift-mode service.
    public let service: any Service

    /// Wraps `service`.
    public init(_ service: any Service) {
        self.service = service
    }

    public func run() async throws {
        let service = self.service
        try await service.start()
        let (shutdownRequested, requestShutdown) = AsyncStream<Void>.makeStream()
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await service.waitUntilStopped() }
                group.addTask { for await _ in shutdownRequested {} }
                await group.next()
                group.cancelAll()
            }
        } onCancelOrGracefulShutdown: {
            requestShutdown.finish()
        }
        await service.stop()
        if service.state == .crashed, let reason = service.crashReason {
            throw reason
        }
    }
}
