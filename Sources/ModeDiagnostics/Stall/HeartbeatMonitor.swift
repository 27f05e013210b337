import CModeSupport
import Synchronization

/// Watches executors that cannot be instrumented per job (a SwiftNIO `EventLoop`, the MainActor, any serial
/// executor) by sending them heartbeats: a beat still outstanding after the timeout means the executor's thread
/// is stuck. The beat records the thread it ran on, so the report can capture that thread's stack.
///
/// Register a name and a `submit` closure that runs its argument on the executor:
///
/// ```swift
/// let monitor = HeartbeatMonitor()
/// let id = monitor.register(name: "nio-loop-0") { beat in loop.execute(beat) }
/// monitor.register(name: "main-actor") { beat in Task { @MainActor in beat() } }
/// let watchdog = StallWatchdog(configuration: .init(timeout: .seconds(1)), heartbeats: monitor)
/// // …
/// monitor.unregister(id)
/// ```
///
/// The watchdog sends one beat per executor per poll when none is outstanding, and judges each executor by the
/// age of its oldest outstanding beat. A heartbeat cannot see one stuck thread of a multi-threaded executor;
/// register each thread's executor (each `EventLoop`) separately.
public final class HeartbeatMonitor: Sendable {
    /// Runs the given closure on the watched executor.
    public typealias Submit = @Sendable (@escaping @Sendable () -> Void) -> Void

    /// A registration handle.
    public struct ID: Sendable, Hashable {
        let value: UInt64
    }

    /// One executor's heartbeat state.
    public struct Status: Sendable, Equatable {
        /// The name given at registration.
        public var name: String
        /// The thread the last beat ran on (0 before the first beat ran).
        public var threadID: Int32
        /// Sequence number of the newest beat sent.
        public var sequence: UInt64
        /// `CLOCK_MONOTONIC` ns when the oldest outstanding beat was sent; nil when none is outstanding.
        public var outstandingSinceNanoseconds: UInt64?
        /// `CLOCK_MONOTONIC` ns when the last beat ran.
        public var lastBeatNanoseconds: UInt64
        /// While a beat is outstanding: the job the executor runs now (a task's address), when it can say.
        public var job: UInt? = nil
    }

    private struct Target {
        var name: String
        var submit: Submit
        /// The thread running the executor now, when the executor can say (the main queue's drain owner).
        var currentThread: (@Sendable () -> Int32?)?
        /// The job the executor runs now, when it can say (a ServiceThread's).
        var currentJob: (@Sendable () -> UInt?)?
        var threadID: Int32 = 0
        var sequence: UInt64 = 0
        var outstandingSince: UInt64?
        var lastBeat: UInt64 = 0
    }

    private struct State {
        var nextID: UInt64 = 0
        var targets: [UInt64: Target] = [:]
    }

    private let state = Mutex(State())

    /// Creates an empty monitor.
    public init() {}

    /// Starts watching an executor. The first beat is sent at the watchdog's next poll.
    ///
    /// ```swift
    /// for (index, loop) in group.makeIterator().enumerated() {
    ///     monitor.register(name: "nio-loop-\(index)") { beat in loop.execute(beat) }
    /// }
    /// ```
    @discardableResult
    public func register(name: String, submit: @escaping Submit) -> ID {
        register(name: name, currentThread: nil, submit: submit)
    }

    /// Starts watching an executor whose running thread can change between jobs (the MainActor's, on
    /// libdispatch's main queue): `currentThread` names the thread running it now, so a stall report captures
    /// that thread rather than the one that ran the last beat. `nil` from it: the last beat's thread.
    ///
    /// ```swift
    /// monitor.register(name: "main-actor", currentThread: { MainQueueOwner.threadID }) { beat in
    ///     Task { @MainActor in MainQueueOwner.observeFromMainQueue(); beat() }
    /// }
    /// ```
    ///
    /// `currentJob` gives the address of the job the executor runs now (for a task's job, the task), so a stall
    /// report can name its task and service.
    @discardableResult
    public func register(
        name: String, currentThread: (@Sendable () -> Int32?)?, currentJob: (@Sendable () -> UInt?)? = nil,
        submit: @escaping Submit
    ) -> ID {
        state.withLock { state in
            state.nextID += 1
            state.targets[state.nextID] = Target(
                name: name, submit: submit, currentThread: currentThread, currentJob: currentJob)
            return ID(value: state.nextID)
        }
    }

    /// Stops watching an executor.
    ///
    /// ```swift
    /// monitor.unregister(id)
    /// ```
    public func unregister(_ id: ID) {
        state.withLock { _ = $0.targets.removeValue(forKey: id.value) }
    }

    /// Names of the watched executors.
    public var names: [String] { state.withLock { $0.targets.values.map(\.name) } }

    /// Sends a beat to every executor that has none outstanding (the watchdog calls this at each poll).
    ///
    /// ```swift
    /// monitor.sendBeats()
    /// ```
    public func sendBeats() {
        let now = c_mode_monotonic_ns()
        let due: [(UInt64, UInt64, Submit)] = state.withLock { state in
            var due: [(UInt64, UInt64, Submit)] = []
            for (key, var target) in state.targets where target.outstandingSince == nil {
                target.sequence += 1
                target.outstandingSince = now
                state.targets[key] = target
                due.append((key, target.sequence, target.submit))
            }
            return due
        }
        for (key, sequence, submit) in due {
            submit { [self] in self.beat(key: key, sequence: sequence) }
        }
    }

    /// Current state of every watched executor.
    ///
    /// ```swift
    /// let late = monitor.statuses().filter { $0.outstandingSinceNanoseconds != nil }
    /// ```
    public func statuses() -> [Status] {
        let targets = state.withLock { Array($0.targets.values) }
        return targets.map { target in
            // While a beat is outstanding the executor may be stuck: name the thread running it now if it can.
            let outstanding = target.outstandingSince != nil
            let running = outstanding ? target.currentThread?() : nil
            return Status(name: target.name, threadID: running ?? target.threadID, sequence: target.sequence,
                          outstandingSinceNanoseconds: target.outstandingSince, lastBeatNanoseconds: target.lastBeat,
                          job: outstanding ? target.currentJob?() : nil)
        }
    }

    private func beat(key: UInt64, sequence: UInt64) {
        // The executor's thread: lets a stall report read the task it runs (CurrentTaskReader).
        c_mode_note_current_thread()
        let tid = c_mode_gettid()
        let now = c_mode_monotonic_ns()
        state.withLock { state in
            guard var target = state.targets[key], target.sequence == sequence else { return }
            target.threadID = tid
            target.outstandingSince = nil
            target.lastBeat = now
            state.targets[key] = target
        }
    }
}
