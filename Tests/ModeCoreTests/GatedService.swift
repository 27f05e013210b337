@testable import ModeCore
import ModeTestKit
import Synchronization

/// A service whose hooks record `<label>.<hook>` and, for the gated ones, then wait until the test records
/// `open <label>.<hook>`: a test holds a start or a stop in the middle of a hook and acts concurrently.
final class GatedService: Service {
    let lifecycle: ServiceLifecycleState
    let events: EventRecorder
    let gated: Set<String>
    let declaredTasks: [ServiceTask]

    init(_ label: String, events: EventRecorder, gated: Set<String> = [], tasks: [ServiceTask] = []) {
        lifecycle = ServiceLifecycleState(logger: LogCapture().logger, label: label)
        self.events = events
        self.gated = gated
        declaredTasks = tasks
    }

    var tasks: [ServiceTask] { declaredTasks }

    private func hit(_ hook: String) async {
        let name = "\(label).\(hook)"
        events.record(name)
        if gated.contains(hook) { await events.waitFor("open \(name)") }
    }

    func onFirstStart() async throws { await hit("onFirstStart") }
    func onStart() async throws { await hit("onStart") }
    func onStarted() async throws { await hit("onStarted") }
    func onStop() async throws { await hit("onStop") }
    func onShutdown() async throws { await hit("onShutdown") }
    func onRestart() async throws { await hit("onRestart") }

    /// The hook events, without the gate openings.
    static func hooks(_ events: EventRecorder) -> [String] {
        events.events.filter { !$0.hasPrefix("open ") }
    }
}

extension ServiceLifecycleState {
    /// How many tasks are suspended in this service's lifecycle waits (a stop waiting for a start or for
    /// another stop).
    var suspendedWaiters: Int { state.withLock { $0.waiters.count } }
}

/// Yields until `condition` holds (a concurrent call has reached its wait), failing after 30 s.
/// Not a timing assertion: it only orders the test's next step after an event of the code under test.
func yieldUntil(_ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
    while !condition() {
        if ContinuousClock.now > deadline { throw TimedOut(what: what) }
        await Task.yield()
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}
