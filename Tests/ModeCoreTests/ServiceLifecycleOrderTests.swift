import ModeCore
import ModeTestKit
import Testing

@Suite("Service lifecycle order")
struct ServiceLifecycleOrderTests {
    @Test("start runs hooks, tasks and children in mode's order")
    func startOrder() async throws {
        let events = EventRecorder()
        let parent = try makeTree(events: events, capture: LogCapture())
        try await parent.start()
        await events.waitFor("T.started")
        let hooks = events.events.filter { !$0.hasPrefix("T.") }
        #expect(
            hooks == [
                "P.onFirstStart", "P.onStart",
                "A.onFirstStart", "A.onStart", "A.onStarted",
                "B.onFirstStart", "B.onStart", "B.onStarted",
                "C.onFirstStart", "C.onStart", "C.onStarted",
                "P.onStarted",
            ]
        )
        #expect(parent.state == .running)
        #expect(parent.children.allSatisfy { $0.state == .running })
        await parent.stop()
    }

    @Test("stop runs P.onStop, children in reverse, cancels tasks after children, then P.onShutdown")
    func stopOrder() async throws {
        let events = EventRecorder()
        let parent = try makeTree(events: events, capture: LogCapture())
        try await parent.start()
        await events.waitFor("T.started")
        events.reset()
        await parent.stop()
        #expect(
            events.events == [
                "P.onStop",
                "C.onStop", "C.onShutdown",
                "B.onStop", "B.onShutdown",
                "A.onStop", "A.onShutdown",
                "T.cancelled",
                "P.onShutdown",
            ]
        )
        #expect(parent.state == .shutdown)
        #expect(parent.children.allSatisfy { $0.state == .shutdown })
    }

    @Test("stop is idempotent")
    func stopTwice() async throws {
        let events = EventRecorder()
        let parent = try makeTree(events: events, capture: LogCapture())
        try await parent.start()
        await parent.stop()
        let count = events.events.count
        await parent.stop()
        #expect(events.events.count == count)
    }

    @Test("a second start without restart is an error; maybeStart is a no-op")
    func startTwice() async throws {
        let events = EventRecorder()
        let service = RecordingService("S", events: events)
        service.lifecycle.setLogger(LogCapture().logger)
        try await service.start()
        await #expect(throws: ServiceError.self) { try await service.start() }
        #expect(try await service.maybeStart() == false)
        await service.stop()
    }

    @Test("restart: stop, reset of the subtree, onRestart, start; counts grow for the whole subtree")
    func restartOrder() async throws {
        let events = EventRecorder()
        let parent = try makeTree(events: events, capture: LogCapture())
        try await parent.start()
        await events.waitFor("T.started")
        events.reset()
        try await parent.restart()
        await events.waitFor("T.started")
        let hooks = events.events.filter { !$0.hasPrefix("T.") }
        #expect(
            hooks == [
                "P.onStop", "C.onStop", "C.onShutdown", "B.onStop", "B.onShutdown", "A.onStop", "A.onShutdown",
                "P.onShutdown",
                "P.onRestart",
                // No onFirstStart on a restart; children are restarted by the parent's start (no onRestart).
                "P.onStart",
                "A.onStart", "A.onStarted", "B.onStart", "B.onStarted", "C.onStart", "C.onStarted",
                "P.onStarted",
            ]
        )
        #expect(events.events.filter { $0 == "T.started" }.count == 1)
        #expect(parent.restartCount == 1)
        #expect(parent.children.map(\.restartCount) == [1, 1, 1])
        #expect(parent.state == .running)
        try await parent.children[1].restart()
        #expect(parent.children.map(\.restartCount) == [1, 2, 1])
        #expect(parent.restartCount == 1)
        await parent.stop()
    }

    @Test("declarative dependencies are added on the first start only")
    func declarativeDependencies() async throws {
        let events = EventRecorder()
        let app = AppWithDependencies(events: events)
        app.lifecycle.setLogger(LogCapture().logger)
        try await app.start()
        #expect(app.children.map(\.label) == ["Cache", "Web"])
        #expect(events.events.prefix(4) == ["App.onFirstStart", "App.onStart", "Cache.onFirstStart", "Cache.onStart"])
        try await app.restart()
        #expect(app.children.count == 2)
        await app.stop()
    }

    @Test("addRuntimeDependency starts the child at once when the parent runs")
    func runtimeDependency() async throws {
        let events = EventRecorder()
        let parent = RecordingService("P", events: events)
        parent.lifecycle.setLogger(LogCapture().logger)
        try await parent.start()
        let child = try await parent.addRuntimeDependency(RecordingService("Late", events: events))
        #expect(child.state == .running)
        #expect(child.path == "P/Late")
        await parent.removeDependency(child)
        #expect(child.state == .shutdown)
        #expect(parent.children.isEmpty)
        #expect(child.path == "Late")
        await parent.stop()
    }

    @Test("cleanups run last-in first-out after the tasks are cancelled, even when one throws")
    func cleanupsLIFO() async throws {
        let events = EventRecorder()
        let capture = LogCapture()
        let service = RecordingService("S", events: events, tasks: [recordingTask("T", events: events)])
        service.lifecycle.setLogger(capture.logger)
        try await service.start()
        await events.waitFor("T.started")
        service.addCleanup("first") { events.record("cleanup 1") }
        service.addCleanup("second") {
            events.record("cleanup 2")
            throw Boom()
        }
        service.addCleanup("third") { events.record("cleanup 3") }
        events.reset()
        await service.stop()
        #expect(
            events.events == ["S.onStop", "T.cancelled", "cleanup 3", "cleanup 2", "cleanup 1", "S.onShutdown"]
        )
        #expect(capture.lines.contains { $0.contains("Error in cleanup 'second'") })
    }
}

final class AppWithDependencies: Service {
    let lifecycle = ServiceLifecycleState(label: "App")
    let events: EventRecorder
    let cache: RecordingService
    let web: RecordingService

    init(events: EventRecorder) {
        self.events = events
        cache = RecordingService("Cache", events: events)
        web = RecordingService("Web", events: events)
    }

    var dependencies: [any Service] { [cache, web] }
    func onFirstStart() async throws { events.record("App.onFirstStart") }
    func onStart() async throws { events.record("App.onStart") }
}
