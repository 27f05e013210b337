import Synchronization

/// A private runtime layout that reads rely on, proven once per process by an async self-check before any
/// read trusts it: unchecked, checking, proven, or failed with the reason. ``TaskObjectReader`` keeps one for
/// its task-local read and one for async stacks; `MODE_DISABLE_TASK_OBJECT_READ=1` fails both.
///
/// ```swift
/// let layout = ProvenLayout<Int> { .proven(8) }
/// layout.start()
/// if case .proven(let offset) = layout.state { print(offset) }
/// ```
final class ProvenLayout<Layout: Sendable>: Sendable {
    enum State: Sendable {
        case unchecked, checking
        case proven(Layout)
        case failed(String)
        /// The check could not decide (a probe task never got a thread on a starved pool): not kept, so the
        /// next use checks again; reads stay off meanwhile.
        case inconclusive(String)
    }

    private let current = Mutex<State>(.unchecked)
    private let check: @Sendable () async -> State

    /// `check` proves the layout (returns ``State/proven(_:)``) or says why not (``State/failed(_:)``).
    init(check: @escaping @Sendable () async -> State) {
        self.check = check
    }

    var state: State { current.withLock { $0 } }

    /// Whether reads are on; ``TaskObjectReader/Availability/unchecked`` until the check has finished.
    var availability: TaskObjectReader.Availability {
        switch state {
        case .unchecked, .checking: .unchecked
        case .proven: .available
        case .failed(let reason): .unavailable(reason)
        case .inconclusive(let reason): .unavailable(Self.inconclusiveReason(reason))
        }
    }

    /// What reads answer while the last check was inconclusive.
    static func inconclusiveReason(_ reason: String) -> String {
        "the self-check did not finish (\(reason)); checked again on the next use"
    }

    /// Starts the check in a detached task unless it was started; returns at once.
    func start() {
        let start = current.withLock { state -> Bool in
            switch state {
            case .unchecked, .inconclusive: state = .checking
            case .checking, .proven, .failed: return false
            }
            return true
        }
        guard start else { return }
        if let disabled = TaskObjectReader.disabledByEnvironment {
            current.withLock { $0 = .failed(disabled) }
            return
        }
        Task.detached { [self] in
            let result = await check()
            current.withLock { $0 = result }
        }
    }

    /// Runs the check now unless it has finished (a check started meanwhile keeps the first result), and
    /// returns the availability it established.
    func run() async -> TaskObjectReader.Availability {
        switch state {
        case .proven, .failed: return availability
        case .unchecked, .checking, .inconclusive: break
        }
        let result: State
        if let disabled = TaskObjectReader.disabledByEnvironment { result = .failed(disabled) } else { result = await check() }
        current.withLock { state in
            switch state {
            case .proven, .failed: return
            case .unchecked, .checking, .inconclusive: state = result
            }
        }
        return availability
    }
}
