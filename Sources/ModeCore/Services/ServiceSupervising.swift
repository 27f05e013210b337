/// An owner that handles the crashes of the services it supervises.
///
/// When a service crashes, swift-mode looks for the nearest service on the path to the root (the service
/// itself first) that has a supervisor. That service's subtree is marked crashed and its supervisor is
/// told; the rest of the tree keeps running. With no supervisor on the path, the crash marks the whole
/// tree, so it stops (mode's "poison pill").
///
/// ```swift
/// final class Restarter: ServiceSupervising {
///     func supervisedServiceCrashed(_ service: any Service, reason: any Error) {
///         Task { try await service.restart() }
///     }
/// }
/// service.lifecycle.setSupervisor(restarter)
/// ```
///
/// - Important: The call is synchronous and may come from any thread; do not block in it.
public protocol ServiceSupervising: AnyObject, Sendable {
    /// `service` (a supervised service, possibly an ancestor of the one that crashed) crashed with `reason`.
    func supervisedServiceCrashed(_ service: any Service, reason: any Error)
}
