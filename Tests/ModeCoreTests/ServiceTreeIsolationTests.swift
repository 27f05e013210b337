import ModeCore
import ModeTestKit
import Testing

/// Issue 14, item 3: registries and events belong to a tree; any number of observers.
@Suite("Service trees are isolated and observable by many")
struct ServiceTreeIsolationTests {
    @Test("two trees in one process: each registry lists only its own tasks, ids never collide")
    func twoTreesSeeOnlyTheirTasks() async throws {
        let events = EventRecorder()
        let first = RecordingService("Same", events: events, tasks: [recordingTask("T", events: events)])
        let second = RecordingService("Same", events: events, tasks: [recordingTask("T", events: events)])
        for root in [first, second] { root.lifecycle.setLogger(LogCapture().logger) }
        try await first.start()
        try await second.start()
        let firstTasks = first.lifecycle.tree.tasks.liveTasks()
        let secondTasks = second.lifecycle.tree.tasks.liveTasks()
        #expect(first.lifecycle.tree !== second.lifecycle.tree)
        #expect(firstTasks.map(\.name) == ["T"])
        #expect(secondTasks.map(\.name) == ["T"])
        #expect(firstTasks[0].id != secondTasks[0].id)
        #expect(first.lifecycle.tree.tasks.record(id: secondTasks[0].id) == nil)
        await first.stop()
        await second.stop()
    }

    @Test("a child resolves its root's tree, also after moving to another tree")
    func childrenShareTheRootsTree() throws {
        let events = EventRecorder()
        let parent = RecordingService("P", events: events)
        let child = RecordingService("C", events: events)
        let grandchild = RecordingService("G", events: events)
        try child.addDependency(grandchild)
        _ = grandchild.lifecycle.tree  // resolved (and cached) while `child` is a root
        try parent.addDependency(child)
        #expect(child.lifecycle.tree === parent.lifecycle.tree)
        #expect(grandchild.lifecycle.tree === parent.lifecycle.tree)
    }

    @Test("any number of lifecycle observers; a cancelled one hears nothing more; the other tree's events never")
    func manyLifecycleObservers() async throws {
        let events = EventRecorder()
        let root = try makeTree(events: events, capture: LogCapture())
        let other = RecordingService("Other", events: events)
        other.lifecycle.setLogger(LogCapture().logger)
        let first = EventRecorder()
        let second = EventRecorder()
        let observeFirst = root.lifecycle.tree.observeLifecycle { first.record("\($0)") }
        let observeSecond = root.lifecycle.tree.observeLifecycle { second.record("\($0)") }
        try await root.start()
        try await other.start()
        #expect(first.events.contains("started(path: \"P/A\")"))
        #expect(first.events == second.events)
        #expect(!first.events.contains { $0.contains("Other") })
        observeFirst.cancel()
        await root.stop()
        #expect(!first.events.contains { $0.hasPrefix("stopped") })
        #expect(second.events.contains("stopped(path: \"P\")"))
        observeSecond.cancel()
        await other.stop()
    }

    @Test("lifecycle events as an AsyncSequence while the tree runs")
    func lifecycleEventStream() async throws {
        let events = EventRecorder()
        let root = try makeTree(events: events, capture: LogCapture())
        let stream = root.lifecycle.tree.lifecycleEvents()
        try await root.start()
        var seen: [ServiceLifecycleEvents.Event] = []
        for await event in stream {
            seen.append(event)
            if event == .started(path: "P") { break }
        }
        #expect(seen.contains(.started(path: "P/A")))
        #expect(seen.last == .started(path: "P"))
        await root.stop()
    }

    @Test("task events reach every observer of the registry, and a stream")
    func taskEventsToMany() async throws {
        let registry = TaskRegistry()
        let first = EventRecorder()
        let second = EventRecorder()
        let observations = [
            registry.observe { if case .ended(let record) = $0 { first.record(record.name) } },
            registry.observe { if case .ended(let record) = $0 { second.record(record.name) } },
        ]
        let stream = registry.events()
        await registry.spawn("one") {}.task.value
        #expect(first.events == ["one"] && second.events == ["one"])
        var names: [String] = []
        for await event in stream {
            if case .ended(let record) = event { names.append(record.name); break }
        }
        #expect(names == ["one"])
        for observation in observations { observation.cancel() }
    }

    @Test("a timer's statistics belong to its service: another tree's timer of the same path and name is apart")
    func timerStatisticsPerService() async throws {
        let clock = ManualClock()
        let make = { (events: EventRecorder) -> RecordingService in
            RecordingService(
                "Timed", events: events,
                tasks: [.timer("tick", every: .seconds(1)) { events.record("tick") }],
                lifecycle: ServiceLifecycleState(clock: clock, logger: LogCapture().logger, label: "Timed"))
        }
        let ticking = EventRecorder()
        let first = make(ticking)
        let second = make(EventRecorder())
        try await first.start()
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(1))
        await ticking.waitFor("tick")
        #expect(first.timerStatistics(named: "tick")?.iterations == 1)
        #expect(second.timerStatistics(named: "tick") == nil)
        await first.stop()
    }
}
