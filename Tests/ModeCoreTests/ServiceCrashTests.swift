import Logging
import ModeCore
import ModeTestKit
import Synchronization
import Testing

@Suite("Crashes, failures and supervision hooks")
struct ServiceCrashTests {
    @Test("a crash without a supervisor marks every node of the tree, up to the root")
    func crashPropagatesToRoot() async throws {
        let events = EventRecorder()
        let root = RecordingService("Root", events: events)
        root.lifecycle.setLogger(LogCapture().logger)
        let middle = try root.addDependency(RecordingService("Middle", events: events))
        let leaf = try middle.addDependency(RecordingService("Leaf", events: events))
        let sibling = try root.addDependency(RecordingService("Sibling", events: events))
        try await root.start()

        leaf.crash(Boom(what: "leaf failed"))

        for service in [root, middle, leaf, sibling] as [any Service] {
            #expect(service.state == .crashed)
            #expect(service.shouldStop)
            #expect((service.crashReason as? Boom)?.what == "leaf failed")
            #expect(service.crashOrigin == "Root/Middle/Leaf")
        }
        // A crash only sets flags: the Worker (or the caller) stops the tree.
        await root.waitUntilStopped()
        await root.stop()
        #expect(root.state == .crashed)
    }

    @Test("a crash under a supervised service is contained to that subtree and reported to its supervisor")
    func crashContainedBySupervisor() async throws {
        let events = EventRecorder()
        let root = RecordingService("Root", events: events)
        root.lifecycle.setLogger(LogCapture().logger)
        let supervised = try root.addDependency(RecordingService("Supervised", events: events))
        let leaf = try supervised.addDependency(RecordingService("Leaf", events: events))
        let other = try root.addDependency(RecordingService("Other", events: events))
        let supervisor = CountingSupervisor()
        supervised.lifecycle.setSupervisor(supervisor)
        try await root.start()

        leaf.crash(Boom())

        #expect(supervised.state == .crashed)
        #expect(leaf.state == .crashed)
        #expect(root.state == .running)
        #expect(other.state == .running)
        #expect(supervisor.crashes.withLock { $0 } == ["Root/Supervised"])
        // The supervisor's usual remedy: restart the crashed service.
        try await supervised.restart()
        #expect(supervised.state == .running)
        #expect(leaf.state == .running)
        #expect(supervised.crashReason == nil)
        await root.stop()
    }

    @Test("onStart throwing fails start(), stops what was started, and marks the service crashed")
    func startFailureCleansUp() async throws {
        let events = EventRecorder()
        let capture = LogCapture()
        let parent = RecordingService("P", events: events, tasks: [recordingTask("T", events: events)])
        parent.lifecycle.setLogger(capture.logger)
        try parent.addDependency(RecordingService("A", events: events))
        try parent.addDependency(RecordingService("B", events: events, failing: [.onStart]))
        try parent.addDependency(RecordingService("C", events: events))
        parent.addCleanup { events.record("P.cleanup") }

        let error = await #expect(throws: ServiceError.self) { try await parent.start() }
        #expect(error?.code == .startFailed)
        #expect(error?.message.contains("P/B failed to start") == true)
        #expect((error?.underlying as? RecordingService.InjectedFailure)?.hook == "onStart")
        #expect(!events.events.contains("C.onStart"))
        // A was started and is stopped again; the background task is cancelled; the cleanup ran.
        #expect(events.events.contains("A.onStop"))
        #expect(events.events.contains("P.cleanup"))
        #expect(parent.children[0].state == .shutdown)
        #expect(parent.state == .crashed)
        #expect(capture.lines.contains { $0.hasPrefix("[^-B]: Failed to start") })
    }

    @Test("a child whose onStop throws is logged by its parent as mode does and does not keep its siblings from stopping")
    func failingStopDoesNotBlockSiblings() async throws {
        let events = EventRecorder()
        let capture = LogCapture()
        let parent = RecordingService("P", events: events)
        parent.lifecycle.setLogger(capture.logger)
        try parent.addDependency(RecordingService("A", events: events))
        try parent.addDependency(RecordingService("B", events: events, failing: [.onStop, .onShutdown]))
        try parent.addDependency(RecordingService("C", events: events))
        try await parent.start()
        events.reset()
        await parent.stop()
        #expect(
            events.events == [
                "P.onStop", "C.onStop", "C.onShutdown", "B.onStop", "B.onShutdown", "A.onStop", "A.onShutdown",
                "P.onShutdown",
            ]
        )
        #expect(parent.children.allSatisfy { $0.state == .shutdown })
        #expect(capture.lines.contains { $0.hasPrefix("[^-B]: Error in onStop") })
        // mode's line, from the parent, at ERROR; -Stopped! stays at INFO (mode's own example output).
        let line = try #require(capture.records.first { $0.message.hasPrefix("Error while stopping child P/B: ") })
        #expect(line.level == .error && line.servicePath == "P")
        #expect(capture.records.contains { $0.message == "-Stopped!" && $0.level == .info })
    }

    @Test("a background task that throws crashes its service with a failure naming the task")
    func taskErrorCrashes() async throws {
        let events = EventRecorder()
        let failing = ServiceTask.task("explode") { throw Boom(what: "kaput") }
        let service = RecordingService("S", events: events, tasks: [failing])
        let capture = LogCapture()
        service.lifecycle.setLogger(capture.logger)
        try await service.start()
        await service.waitUntilStopped()
        #expect(service.state == .crashed)
        let failure = try #require(service.crashReason as? ServiceTaskFailure)
        #expect(failure.taskName == "explode")
        #expect(failure.servicePath == "S")
        #expect(failure.creationSite.hasPrefix("ModeCoreTests/ServiceCrashTests.swift:"))
        #expect((failure.error as? Boom)?.what == "kaput")
        #expect(capture.lines.contains { $0.contains("Crashed reason=") && $0.contains("explode") })
        await service.stop()
    }

    @Test("a background task that is cancelled does not crash its service")
    func cancellationDoesNotCrash() async throws {
        let events = EventRecorder()
        let service = RecordingService("CancelledTaskOwner", events: events, tasks: [recordingTask("T", events: events)])
        service.lifecycle.setLogger(LogCapture().logger)
        try await service.start()
        await events.waitFor("T.started")
        let record = try #require(
            service.lifecycle.tree.tasks.liveTasks().first { $0.servicePath == service.path && $0.name == "T" })
        service.lifecycle.tree.tasks.cancel(id: record.id)
        await events.waitFor("T.cancelled")
        #expect(service.state == .running)
        await service.stop()
        #expect(service.state == .shutdown)
    }
}

final class CountingSupervisor: ServiceSupervising {
    let crashes = Mutex<[String]>([])
    func supervisedServiceCrashed(_ service: any Service, reason: any Error) {
        crashes.withLock { $0.append(service.path) }
    }
}
