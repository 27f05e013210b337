import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The record of every task swift-mode spawns: service tasks, timers, cron jobs, futures, supervisor loops
/// and user tasks spawned through the service API.
///
/// Swift cannot list the tasks of a process on Linux, so the library keeps its own registry. Each entry has
/// an id, a name, the owning service's path, its kind, its creation site, its state, its start and end
/// times and its runtime identity, so that a thread caught stalling can be mapped back to a task and
/// service. Finished tasks are kept in a bounded history (``historyLimit``, default 1000).
///
/// Each service tree has its own (``ServiceTree/tasks``, reached from any service as
/// `lifecycle.tree.tasks`), so two trees in one process never see each other's tasks. Task ids are unique in
/// the process, so an id read from a stalled task can never name another tree's task.
///
/// ```swift
/// let registry = app.lifecycle.tree.tasks
/// let live = registry.liveTasks()
/// let recent = registry.finishedTasks()
/// registry.cancel(id: live[0].id)
/// ```
///
/// Reads return copies; all operations are O(1) except the listings, which are O(live + history).
public final class TaskRegistry: Sendable {
    /// A change the registry reports to its observers (the Worker uses it to attribute stalled jobs).
    public enum Event: Sendable {
        /// The task started running; `runtimeAddress` is set.
        case started(TaskRecord)
        /// The task ended.
        case ended(TaskRecord)
    }

    private struct Entry {
        var record: TaskRecord
        var cancel: (@Sendable () -> Void)?
        /// A cancel that came before the cancellation action was attached; applied when it is.
        var cancelRequested = false
    }

    private struct State {
        var live: [UInt64: Entry] = [:]
        /// Live task ids by runtime address, innermost last (a scope opened inside a task shares its address).
        var byAddress: [UInt: [UInt64]] = [:]
        var history: [TaskRecord] = []
        var historyStart = 0
        var historyLimit: Int
        /// One shared copy of each service path and creation site (tasks of one service, or spawned at one line,
        /// share them): 10,000 tasks of a service hold one string, not 10,000 scattered heap copies that a
        /// `ps` must each touch. Bounded: past ``internLimit`` distinct strings, new ones are kept as given.
        var interned: Set<String> = []

        mutating func intern(_ string: String) -> String {
            if let index = interned.firstIndex(of: string) { return interned[index] }
            if interned.count < TaskRegistry.internLimit { interned.insert(string) }
            return string
        }
    }

    /// Distinct service paths and creation sites shared by a registry (code locations and services: few).
    static let internLimit = 4096

    private let state: Mutex<State>
    private let observers = ObserverList<Event>()

    /// The last task id handed out in this process (ids are unique across registries).
    private static let lastID = Atomic<UInt64>(0)

    /// The task id of the tracked task that is currently running, if any.
    @TaskLocal public static var currentTaskID: UInt64?

    /// Creates a registry keeping at most `historyLimit` finished tasks.
    public init(historyLimit: Int = 1000) {
        state = Mutex(State(historyLimit: max(0, historyLimit)))
    }

    /// The number of finished tasks kept.
    public var historyLimit: Int {
        get { state.withLock { $0.historyLimit } }
        set {
            state.withLock { state in
                state.historyLimit = max(0, newValue)
                Self.trimHistory(&state)
            }
        }
    }

    /// Calls `observer` for every task start and end, synchronously on the task's thread (keep it short and
    /// never block in it), until the observation is cancelled or released. Any number may observe.
    ///
    /// ```swift
    /// let observation = registry.observe { event in
    ///     if case .ended(let record) = event { print("\(record.name) ended: \(record.state)") }
    /// }
    /// ```
    public func observe(_ observer: @escaping @Sendable (Event) -> Void) -> Observation {
        observers.add(observer)
    }

    /// Task starts and ends from now on, as an `AsyncStream` (the newest 1,024 are kept when the consumer
    /// falls behind).
    ///
    /// ```swift
    /// for await event in registry.events() { print(event) }
    /// ```
    public func events() -> AsyncStream<Event> {
        observers.stream()
    }

    /// Snapshots of all live tasks, ordered by id.
    public func liveTasks() -> [TaskRecord] {
        // Sorts (id, position) pairs, not the records: moving 10,000 records (each several strings) while sorting
        // was a fifth of a console `ps`. The ids come from the keys (a task's id is its key), and each record is
        // then copied once by position: going through whole entries (`live[key]!.record`, `.record.id` of a
        // value) copied each one, its cancellation closure included, a third of a 10,000-task `ps`.
        state.withLock { state in
            let live = state.live
            var positions: [(id: UInt64, index: Dictionary<UInt64, Entry>.Index)] = []
            positions.reserveCapacity(live.count)
            var index = live.startIndex
            while index != live.endIndex {
                positions.append((live.keys[index], index))
                live.formIndex(after: &index)
            }
            positions.sort { $0.id < $1.id }
            return positions.map { live.values[$0.index].record }
        }
    }

    /// Snapshots of recently finished tasks, oldest first (at most ``historyLimit``).
    public func finishedTasks() -> [TaskRecord] {
        state.withLock { state in
            Array(state.history[state.historyStart...])
        }
    }

    /// The record of a live or recently finished task.
    public func record(id: UInt64) -> TaskRecord? {
        state.withLock { state in
            if let entry = state.live[id] { return entry.record }
            return state.history[state.historyStart...].last { $0.id == id }
        }
    }

    /// The live task whose runtime identity is `address` (see ``TaskRecord/runtimeAddress``); the innermost
    /// scope when a scope is open in that task. O(1).
    public func liveTask(runtimeAddress address: UInt) -> TaskRecord? {
        state.withLock { state in state.byAddress[address]?.last.flatMap { state.live[$0]?.record } }
    }

    /// A reference that keeps the task object of the live task `id` alive while it is held (the task handle its
    /// cancellation action captured), for diagnostics that read the task by address; `nil` when the task is not
    /// live. Holding it delays nothing but the object's deallocation: it takes no lock the task needs.
    package func keepAlive(id: UInt64) -> (any Sendable)? {
        state.withLock { state in state.live[id]?.cancel }
    }

    /// Number of live tasks.
    public var liveCount: Int { state.withLock { $0.live.count } }

    /// Live tasks by owning service path (`nil`: tasks of no service), counted in place without copying a
    /// record: what `/metrics` needs at every scrape, at a fraction of ``liveTasks()``'s cost (10,000 tasks).
    package func liveCountsByService() -> [String?: Int] {
        state.withLock { state in
            var counts: [String?: Int] = [:]
            // By index: the subscript borrows each entry where `for entry in values` copies it (retaining
            // every string of the record: most of the time of a scrape with 10,000 tasks).
            let live = state.live.values
            var index = live.startIndex
            while index != live.endIndex {
                counts[live[index].record.servicePath, default: 0] += 1
                live.formIndex(after: &index)
            }
            return counts
        }
    }

    /// Cancels a live task. Returns its record, or `nil` when no live task has that id.
    @discardableResult
    public func cancel(id: UInt64) -> TaskRecord? {
        let entry = state.withLock { state -> Entry? in
            if state.live[id]?.cancel == nil { state.live[id]?.cancelRequested = true }
            return state.live[id]
        }
        entry?.cancel?()
        return entry?.record
    }

    /// Spawns and tracks an unstructured task.
    ///
    /// This is how the library starts every service task, and how user code gets a task that the console,
    /// the stall watchdog and thread dumps can name:
    ///
    /// ```swift
    /// service.lifecycle.tree.tasks.spawn("reindex", servicePath: service.path) {
    ///     try await reindex()
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The task's name, also given to the Swift task (`Task(name:)`).
    ///   - kind: What spawned it.
    ///   - servicePath: The owning service's path.
    ///   - executor: A task executor preference (the Worker's instrumented executor), or `nil`.
    ///   - completion: Called once with how the task ended, before the registry reports the end.
    ///   - operation: The task's body. A thrown `CancellationError` (or any error after cancellation)
    ///     records the task as cancelled; other errors as failed.
    /// - Returns: The task handle and its registry id.
    @discardableResult
    public func spawn(
        _ name: String,
        kind: TaskKind = .user,
        servicePath: String? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        executor: (any TaskExecutor)? = nil,
        completion: (@Sendable (TaskOutcome) -> Void)? = nil,
        operation: @escaping @Sendable () async throws -> Void
    ) -> (task: Task<Void, Never>, id: UInt64) {
        let id = register(name: name, kind: kind, servicePath: servicePath, creationSite: "\(fileID):\(line)")
        let task = Task(name: name, executorPreference: executor) {
            await TaskRegistry.$currentTaskID.withValue(id) {
                self.markStarted(id: id, runtimeAddress: Self.currentTaskAddress())
                let outcome: TaskOutcome
                do {
                    try await operation()
                    outcome = Task.isCancelled ? .cancelled : .finished
                } catch {
                    outcome = (error is CancellationError || Task.isCancelled) ? .cancelled : .failed(error)
                }
                completion?(outcome)
                self.markEnded(id: id, outcome: outcome)
            }
        }
        setCancel(id: id) { task.cancel() }
        return (task, id)
    }

    /// How a tracked task ended.
    public enum TaskOutcome: Sendable {
        case finished
        case cancelled
        case failed(any Error)
    }

    // MARK: - Low-level registration (used by `spawn` and by integrations that start tasks themselves)

    /// Registers a task that is about to be created; returns its id.
    package func register(
        name: String, kind: TaskKind, servicePath: String?, creationSite: String, trace: TraceIdentity? = nil
    ) -> UInt64 {
        let now = Self.wallClockSeconds()
        let mono = Self.monotonicNanoseconds()
        let parent = TaskRegistry.currentTaskID
        let id = Self.lastID.add(1, ordering: .relaxed).newValue
        return state.withLock { state in
            let record = TaskRecord(
                id: id, name: name, servicePath: servicePath.map { state.intern($0) }, kind: kind,
                creationSite: state.intern(creationSite),
                state: .running, parentID: parent, createdAt: now, endedAt: nil,
                createdMonotonicNanoseconds: mono, endedMonotonicNanoseconds: nil, runtimeAddress: nil, error: nil,
                trace: trace
            )
            state.live[id] = Entry(record: record, cancel: nil)
            return id
        }
    }

    /// Attaches a cancellation action to a live task.
    package func setCancel(id: UInt64, _ cancel: @escaping @Sendable () -> Void) {
        let cancelNow = state.withLock { state -> Bool in
            state.live[id]?.cancel = cancel
            return state.live[id]?.cancelRequested ?? false
        }
        // A cancel requested before the action existed (the task was already running) must not be lost.
        if cancelNow { cancel() }
    }

    /// Records that the task started running, with its runtime identity.
    package func markStarted(id: UInt64, runtimeAddress: UInt?) {
        let record = state.withLock { state -> TaskRecord? in
            if let previous = state.live[id]?.record.runtimeAddress, previous != runtimeAddress {
                Self.unindex(id, at: previous, &state)
            }
            if let runtimeAddress, let entry = state.live[id], entry.record.runtimeAddress != runtimeAddress {
                state.byAddress[runtimeAddress, default: []].append(id)
            }
            state.live[id]?.record.runtimeAddress = runtimeAddress
            return observers.isEmpty ? nil : state.live[id]?.record
        }
        if let record { observers.emit(.started(record)) }
    }

    /// Records how a task ended and moves it to the history.
    package func markEnded(id: UInt64, outcome: TaskOutcome) {
        let now = Self.wallClockSeconds()
        let mono = Self.monotonicNanoseconds()
        let record = state.withLock { state -> TaskRecord? in
            guard var entry = state.live.removeValue(forKey: id) else { return nil }
            if let address = entry.record.runtimeAddress { Self.unindex(id, at: address, &state) }
            switch outcome {
            case .finished: entry.record.state = .finished
            case .cancelled: entry.record.state = .cancelled
            case .failed(let error):
                entry.record.state = .failed
                entry.record.error = String(reflecting: error)
            }
            entry.record.endedAt = now
            entry.record.endedMonotonicNanoseconds = mono
            if state.historyLimit > 0 {
                state.history.append(entry.record)
                Self.trimHistory(&state)
            }
            return entry.record
        }
        if let record { observers.emit(.ended(record)) }
    }

    private static func unindex(_ id: UInt64, at address: UInt, _ state: inout State) {
        guard var ids = state.byAddress[address] else { return }
        ids.removeAll { $0 == id }
        state.byAddress[address] = ids.isEmpty ? nil : ids
    }

    private static func trimHistory(_ state: inout State) {
        let excess = (state.history.count - state.historyStart) - state.historyLimit
        if excess > 0 { state.historyStart += excess }
        // Compact once the dead prefix dominates, so memory stays bounded and appends stay amortised O(1).
        if state.historyStart > 0 && state.historyStart >= state.history.count / 2 {
            state.history.removeFirst(state.historyStart)
            state.historyStart = 0
        }
    }

    /// The runtime address of the current task (the `AsyncTask` object), or `nil` outside a task.
    public static func currentTaskAddress() -> UInt? {
        CurrentTask.address
    }

    /// Monotonic clock in nanoseconds (CLOCK_MONOTONIC), the time base of ``TaskRecord`` durations.
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    static func wallClockSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
