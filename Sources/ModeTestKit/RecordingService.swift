import ModeCore

/// A service that records every hook call (`"<label>.onStart"`, ...) into an ``EventRecorder``, and can be
/// told to fail in a hook. For testing trees and supervisors.
///
/// ```swift
/// let events = EventRecorder()
/// let parent = RecordingService("P", events: events)
/// try parent.addDependency(RecordingService("A", events: events))
/// try await parent.start()
/// await parent.stop()
/// #expect(events.events.first == "P.onFirstStart")
/// ```
public final class RecordingService: Service {
    /// A hook that can be made to throw.
    public struct Hook: Sendable, Hashable {
        let name: String
        public static let onFirstStart = Hook(name: "onFirstStart")
        public static let onStart = Hook(name: "onStart")
        public static let onStarted = Hook(name: "onStarted")
        public static let onStop = Hook(name: "onStop")
        public static let onShutdown = Hook(name: "onShutdown")
        public static let onRestart = Hook(name: "onRestart")
    }

    /// The error thrown by a hook that was told to fail.
    public struct InjectedFailure: Error, Sendable, Equatable {
        public var service: String
        public var hook: String
    }

    public let lifecycle: ServiceLifecycleState
    public let events: EventRecorder
    private let failing: Set<Hook>
    private let declaredTasks: [ServiceTask]

    /// Creates a recording service labelled `label`.
    ///
    /// - Parameters:
    ///   - failing: Hooks that throw ``InjectedFailure`` (after recording).
    ///   - tasks: Background tasks to declare.
    public init(
        _ label: String, events: EventRecorder, failing: Set<Hook> = [], tasks: [ServiceTask] = [],
        lifecycle: ServiceLifecycleState? = nil
    ) {
        self.lifecycle = lifecycle ?? ServiceLifecycleState(label: label)
        self.events = events
        self.failing = failing
        self.declaredTasks = tasks
    }

    public var tasks: [ServiceTask] { declaredTasks }

    private func hit(_ hook: Hook) throws {
        events.record("\(label).\(hook.name)")
        if failing.contains(hook) { throw InjectedFailure(service: label, hook: hook.name) }
    }

    public func onFirstStart() async throws { try hit(.onFirstStart) }
    public func onStart() async throws { try hit(.onStart) }
    public func onStarted() async throws { try hit(.onStarted) }
    public func onStop() async throws { try hit(.onStop) }
    public func onShutdown() async throws { try hit(.onShutdown) }
    public func onRestart() async throws { try hit(.onRestart) }
}
