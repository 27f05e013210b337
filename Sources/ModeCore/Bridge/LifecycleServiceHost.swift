import Logging
import ServiceLifecycle
import Synchronization

/// Hosts a swift-service-lifecycle `Service` (an HTTP server, an OTel exporter, ...) as a child of a
/// swift-mode service tree.
///
/// On start, the hosted service's `run()` begins in a task owned by the host, inside a one-service
/// `ServiceGroup` so that it sees graceful shutdown exactly as it would in an application. On stop, the
/// host triggers a graceful shutdown and waits for `run()` to return. If `run()` returns or throws while
/// the host is running, the host crashes (supervisors and the Worker see it).
///
/// ```swift
/// actor App: Service {
///     let lifecycle = ServiceLifecycleState()
///     nonisolated var dependencies: [any Service] {
///         [LifecycleServiceHost(httpServer, label: "HTTPServer")]
///     }
/// }
/// ```
public final class LifecycleServiceHost: Service {
    public let lifecycle: ServiceLifecycleState
    /// The hosted service.
    public let hosted: any ServiceLifecycle.Service
    private let groupLogger: Logger
    /// The group running the hosted service, and the task running the group (a new group per start: a
    /// `ServiceGroup` runs once, and a host can be restarted).
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, Never>)?>(nil)

    /// Hosts `service`, shown as `label` in the tree (defaults to the hosted type's name).
    public init(_ service: any ServiceLifecycle.Service, label: String? = nil, logger: Logger? = nil) {
        self.hosted = service
        self.lifecycle = ServiceLifecycleState(
            logger: logger, label: label ?? String(describing: type(of: service))
        )
        self.groupLogger =
            logger ?? Logger(label: "mode.lifecycle-host", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    public func onStart() async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [.init(service: hosted)], logger: groupLogger)
        )
        let task = addFuture("run \(label)") { [weak self] in
            try await group.run()
            if let self, !self.shouldStop {
                throw ServiceError(
                    code: .startFailed, message: "hosted service \(self.label) returned from run() while running"
                )
            }
        }
        running.withLock { $0 = (group, task) }
    }

    /// Triggers the hosted service's graceful shutdown and waits for its `run()` to return.
    public func onStop() async throws {
        guard let (group, task) = running.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        await task.value
    }
}
