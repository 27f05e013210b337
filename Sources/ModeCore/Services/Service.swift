import Logging

/// A service: something that is started, runs, and is stopped, with children and background tasks —
/// the heart of mode, in Swift.
///
/// A service is just a type. Write it as an `actor` (or a `final class` with only `let`s), give it a
/// ``ServiceLifecycleState``, and override the hooks you need:
///
/// ```swift
/// import Mode
///
/// actor PageViewCache: Service {
///     let lifecycle = ServiceLifecycleState()
///     private var counts: [String: Int] = [:]
///
///     func onStart() async throws { counts = [:] }
///     func update(_ url: String, by n: Int = 1) -> Int {
///         counts[url, default: 0] += n
///         return counts[url]!
///     }
/// }
/// ```
///
/// ## Lifecycle
///
/// ``start()`` runs, in order: on the first start only, the ``dependencies`` are added and ``onFirstStart()``
/// runs; then `Starting...` is logged, ``onStart()`` runs, the declared ``tasks`` start, the children start
/// in insertion order, and ``onStarted()`` runs. ``stop()`` runs ``onStop()``, stops the children in reverse
/// order, waits for ``setShutdown()`` when ``waitForShutdown`` is set, cancels the background tasks, runs the
/// cleanups last-in first-out, then ``onShutdown()``. ``restart()`` is stop, reset, ``onRestart()``, start.
/// ``crash(_:)`` marks the service and (without a supervisor) its whole tree crashed, so everything stops.
///
/// - Important: Hooks of an actor run isolated to it. Never block a thread in a hook or task (use the
///   dedicated-thread executor for blocking code): the Worker's stall watchdog reports it.
public protocol Service: AnyObject, Sendable {
    /// The bookkeeping swift-mode keeps for this service. Declare it as `let lifecycle = ServiceLifecycleState()`.
    var lifecycle: ServiceLifecycleState { get }

    /// The service's name in logs, paths and graphs. Defaults to the type's name.
    var label: String { get }

    /// Services to add as children on the first start (mode's `on_init_dependencies`). Default: none.
    ///
    /// ```swift
    /// nonisolated var dependencies: [any Service] { [cache, webserver] }
    /// ```
    var dependencies: [any Service] { get }

    /// Background tasks, timers and cron jobs started on every start (mode's `@Service.task`). Default: none.
    ///
    /// ```swift
    /// nonisolated var tasks: [ServiceTask] {
    ///     [.task("poll") { while !self.shouldStop { await self.sleep(for: .seconds(1)) } }]
    /// }
    /// ```
    var tasks: [ServiceTask] { get }

    /// When `true`, ``stop()`` waits (after stopping the children) until ``setShutdown()`` is called, at most
    /// ``shutdownTimeout``. Default: `false`.
    var waitForShutdown: Bool { get }

    /// How long ``stop()`` waits for ``setShutdown()`` when ``waitForShutdown`` is set. Default: 60 s.
    var shutdownTimeout: Duration { get }

    /// The level of the routine `Starting...` / `Stopping...` / `-Stopped!` lines. Default: `.info`.
    var mundaneLevel: Logger.Level { get }

    /// Runs once, on the first start only, before ``onStart()``.
    func onFirstStart() async throws
    /// Runs on every start, before the background tasks and children start. Throwing fails ``start()``.
    func onStart() async throws
    /// Runs after the children have started.
    func onStarted() async throws
    /// Runs first when the service stops, before the children stop.
    func onStop() async throws
    /// Runs last when the service stops, after its tasks are cancelled and its cleanups have run.
    func onShutdown() async throws
    /// Runs on ``restart()``, between the reset and the new start.
    func onRestart() async throws
}

extension Service {
    public var label: String { lifecycle.labelOverride ?? String(describing: type(of: self)) }
    public var dependencies: [any Service] { [] }
    public var tasks: [ServiceTask] { [] }
    public var waitForShutdown: Bool { false }
    public var shutdownTimeout: Duration { .seconds(60) }
    public var mundaneLevel: Logger.Level { .info }

    public func onFirstStart() async throws {}
    public func onStart() async throws {}
    public func onStarted() async throws {}
    public func onStop() async throws {}
    public func onShutdown() async throws {}
    public func onRestart() async throws {}
}

extension Service {
    /// The lifecycle state: `init`, `running`, `stopping`, `shutdown` or `crashed` (crashed wins).
    public var state: ServiceState { lifecycle.serviceState }

    /// `true` once stop was requested or the service crashed, or when the calling task was cancelled:
    /// loops in tasks check it.
    ///
    /// ```swift
    /// while !shouldStop { try await work() }
    /// ```
    ///
    /// Including cancellation keeps the idiomatic `while !shouldStop { await sleep(for:) }` loop from
    /// spinning when its task is cancelled on its own (`cancel` in the console, a shutdown escalation):
    /// a cancelled ``sleep(for:)`` returns at once.
    public var shouldStop: Bool { lifecycle.shouldStop || CurrentTask.isCancelled }

    /// The error the service (or the service whose crash reached it) crashed with, if it crashed.
    public var crashReason: (any Error)? { lifecycle.crashReason }

    /// The path of the service whose crash marked this one (itself, or another node of its tree).
    public var crashOrigin: String? { lifecycle.crashOrigin }

    /// How many times the service (or an ancestor, which resets its whole subtree) was restarted.
    public var restartCount: Int { lifecycle.restartCount }

    /// How long the service has been running, or `nil` when it is not running.
    public var uptime: Duration? { lifecycle.uptime }
}
