/// The lifecycle of one service as a pure state machine: every transition (start, started, stop requested,
/// children stopping, tasks cancelled, shutdown, crash, restart, remove) is an event that returns the
/// action its caller performs.
///
/// No I/O, no locks, no clock: ``ServiceLifecycleState`` keeps one under its mutex next to the storage (tree,
/// tasks, cleanups, waiters), and the drivers in `Service+Lifecycle.swift` run the hooks the actions name.
///
/// ```swift
/// var machine = LifecycleMachine()
/// guard case .run(firstStart: true) = machine.start() else { return }
/// machine.startFinished()                      // .running
/// guard case .run = machine.requestStop() else { return }
/// machine.advance(to: .children)               // onStop ran; the children stop next
/// machine.stopFinished()                       // .shutdown
/// ```
///
/// Concurrency is decided here, not in the drivers: a stop requested while a start is in flight waits for
/// that start to settle; a second stop waits for the first to finish; a restart resets only the cycle it
/// stopped, so concurrent restarts start the service once. The article "Service lifecycle" lists the
/// outcomes.
package struct LifecycleMachine: Sendable {
    /// Where the service is in its cycle.
    package enum Phase: Sendable, Equatable {
        /// Created, or reset by a restart; not started in this cycle.
        case initial
        /// The start sequence is running (`onFirstStart` ... `onStarted`).
        case starting
        /// Started. A stop may already be requested (its caller waits for the start to settle first).
        case running
        /// The stop sequence is running, at `step`.
        case stopping(StopStep)
        /// The stop sequence has finished.
        case shutdown
    }

    /// The steps of the stop sequence, in mode's order (§1.2): a stop only moves forward through them.
    package enum StopStep: Int, Sendable, Comparable {
        /// `onStop` runs.
        case onStop
        /// The children stop, in reverse order (also the first step of a failed start's teardown).
        case children
        /// Waiting for `setShutdown()` (only when `waitForShutdown` is set).
        case shutdownSignal
        /// The background tasks are cancelled and awaited.
        case tasks
        /// The cleanups run, last in first out.
        case cleanups
        /// `onShutdown` runs.
        case onShutdown

        package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

        /// What a stop at this step is doing, for a shutdown-timeout report.
        package var activity: String {
            switch self {
            case .onStop: "in onStop"
            case .children: "waiting for its children to stop"
            case .shutdownSignal: "waiting for setShutdown()"
            case .tasks: "waiting for its tasks to end"
            case .cleanups: "running its cleanups"
            case .onShutdown: "in onShutdown"
            }
        }
    }

    /// What the caller of ``start()`` does.
    package enum StartAction: Sendable, Equatable {
        /// Run the start sequence; `firstStart` adds the declared dependencies and runs `onFirstStart`.
        case run(firstStart: Bool)
        /// The service was already started (or stopped) in this cycle: `start()` throws `alreadyStarted`.
        case reject
    }

    /// What the caller of ``requestStop()`` does.
    package enum StopAction: Sendable, Equatable {
        /// Run the stop sequence (this caller owns it).
        case run
        /// A start is in flight: wait until it settles (``Phase/starting`` is left), then ask again.
        case waitForStart(cycle: Int)
        /// Another caller is running the stop: wait until it has finished.
        case waitForCompletion(cycle: Int)
        /// Asked from inside the start in flight (a start hook of the service or of a descendant): return
        /// at once; the start returns early and runs the stop before it returns (waiting would deadlock).
        case deferredToStart
        /// The stop has already finished: return.
        case alreadyStopped
    }

    /// What the caller of ``reset(cycle:)`` does.
    package enum ResetAction: Sendable, Equatable {
        /// The service was reset: run `onRestart`, then start it.
        case reset
        /// Another restart already reset this cycle (it starts the service): do nothing.
        case stale
        /// The service is not stopped (a concurrent start won): do nothing.
        case busy
        /// An ancestor is stopping or has stopped: the service stays stopped (it starts with that
        /// ancestor's next start), so a supervisor's restart never outlives a shutdown.
        case ancestorStopping
    }

    /// What the caller of ``remove()`` does.
    package enum RemoveAction: Sendable, Equatable {
        /// The service is stopped (or never started): detach it from its parent.
        case detach
        /// The service runs again (a concurrent restart): stop it first, then ask again.
        case stopFirst
    }

    // Stored in this order, without optional tags where a zero will do, to keep the machine at 45 bytes: it
    // sits in the storage every start and stop touches.

    /// How many resets this service went through; also the number of the current cycle.
    package private(set) var restartCount = 0
    /// The task running the start in flight (its address), to recognise a stop asked from inside it.
    package var startingTask: UInt? { startingTaskAddress == 0 ? nil : startingTaskAddress }
    private var startingTaskAddress: UInt = 0
    /// The crash of this cycle, if any: the first reason wins.
    package private(set) var crash: (reason: any Error, origin: String)?
    package private(set) var phase: Phase = .initial
    /// Set by a stop request (and a failed start) until the next reset: `shouldStop` reads it.
    package private(set) var stopRequested = false
    /// Set by `setShutdown()`.
    package private(set) var shutdownSignalled = false
    /// A stop was asked from inside the start: the start runs it when it has settled.
    package private(set) var stopDeferredToStart = false

    package init() {}

    package var isCrashed: Bool { crash != nil }

    /// mode's `should_stop`: a stop was requested or the service crashed.
    package var shouldStop: Bool { stopRequested || crash != nil }

    /// The public state: crashed wins; a requested stop reads as stopping until it has finished.
    package var serviceState: ServiceState {
        if crash != nil { return .crashed }
        switch phase {
        case .initial: return .initial
        case .starting, .running: return stopRequested ? .stopping : .running
        case .stopping: return .stopping
        case .shutdown: return .shutdown
        }
    }

    /// Background tasks spawned now are cancelled at once: the stop has passed the step that cancels them.
    package var refusesTasks: Bool {
        switch phase {
        case .stopping(let step): step > .tasks
        case .shutdown: true
        default: false
        }
    }

    // MARK: - Start

    /// `start()` was called by the task at address `task`.
    package mutating func start(task: UInt? = nil) -> StartAction {
        guard phase == .initial, !stopRequested else { return .reject }
        phase = .starting
        startingTaskAddress = task ?? 0
        return .run(firstStart: restartCount == 0)
    }

    /// The start sequence returned (completely, or early because the service should stop).
    /// Returns false (and changes nothing) when no start was in flight.
    @discardableResult
    package mutating func startFinished() -> Bool {
        guard phase == .starting else { return false }
        phase = .running
        startingTaskAddress = 0
        return true
    }

    /// A hook or a child threw during the start: the teardown (children, tasks, cleanups) follows.
    /// Returns false (and changes nothing) when no start was in flight.
    @discardableResult
    package mutating func startFailed() -> Bool {
        guard phase == .starting else { return false }
        stopRequested = true
        stopDeferredToStart = false
        startingTaskAddress = 0
        phase = .stopping(.children)
        return true
    }

    // MARK: - Stop

    /// `stop()` was called by the task at address `task`.
    package mutating func requestStop(task: UInt? = nil) -> StopAction {
        switch phase {
        case .initial, .running:
            // A never-started service runs the stop sequence too (mode: its hooks run, state stays init).
            stopRequested = true
            stopDeferredToStart = false
            phase = .stopping(.onStop)
            return .run
        case .starting:
            stopRequested = true
            if let task, task == startingTaskAddress {
                stopDeferredToStart = true
                return .deferredToStart
            }
            return .waitForStart(cycle: restartCount)
        case .stopping:
            return .waitForCompletion(cycle: restartCount)
        case .shutdown:
            return .alreadyStopped
        }
    }

    /// The stop sequence reached `step`. Returns false (and changes nothing) when no stop is in flight or
    /// `step` is not after the current one.
    @discardableResult
    package mutating func advance(to step: StopStep) -> Bool {
        guard case .stopping(let current) = phase, step > current else { return false }
        phase = .stopping(step)
        return true
    }

    /// The stop sequence finished. Returns false (and changes nothing) when no stop was in flight.
    @discardableResult
    package mutating func stopFinished() -> Bool {
        guard case .stopping = phase else { return false }
        phase = .shutdown
        return true
    }

    /// `setShutdown()` was called.
    package mutating func signalShutdown() {
        shutdownSignalled = true
    }

    // MARK: - Crash, restart, remove

    /// The service (or a node whose crash reaches it) crashed. Returns false when it already had.
    /// The phase does not change: a crash only makes ``shouldStop`` true (mode).
    @discardableResult
    package mutating func crashed(reason: any Error, origin: String) -> Bool {
        if crash != nil { return false }
        crash = (reason, origin)
        return true
    }

    /// Resets the service for the next cycle (mode's `service_reset`).
    ///
    /// - Parameters:
    ///   - cycle: The ``restartCount`` the restart saw when it began; `nil` for a reset of a descendant by
    ///     its ancestor's restart.
    ///   - ancestorStopping: Whether a stop was requested on an ancestor of the service.
    package mutating func reset(cycle: Int?, ancestorStopping: Bool = false) -> ResetAction {
        if let cycle, cycle != restartCount { return .stale }
        switch phase {
        case .shutdown, .initial: break
        case .starting, .running, .stopping: return .busy
        }
        if ancestorStopping { return .ancestorStopping }
        restartCount += 1
        phase = .initial
        stopRequested = false
        stopDeferredToStart = false
        crash = nil
        shutdownSignalled = false
        return .reset
    }

    /// `removeDependency` wants to detach the service from its parent.
    package func remove() -> RemoveAction {
        switch phase {
        case .initial, .shutdown: .detach
        case .starting, .running, .stopping: .stopFirst
        }
    }
}
