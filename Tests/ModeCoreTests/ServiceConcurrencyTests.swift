@testable import ModeCore
import ModeTestKit
import Testing

/// The written outcomes of concurrent lifecycle calls (article "Service lifecycle", "Concurrent calls").
@Suite("Service lifecycle under concurrency")
struct ServiceConcurrencyTests {
    @Test("a second stop() during a stop in flight returns only after that stop has finished")
    func concurrentStopsWait() async throws {
        let events = EventRecorder()
        let service = GatedService("S", events: events, gated: ["onStop"])
        try await service.start()
        let first = Task { await service.stop() }
        await events.waitFor("S.onStop")
        let second = Task {
            await service.stop()
            events.record("second stop returned")
        }
        try await yieldUntil("the second stop to wait") {
            service.lifecycle.suspendedWaiters == 1 || events.events.contains("second stop returned")
        }
        events.record("open S.onStop")
        await first.value
        await second.value
        let hooks = GatedService.hooks(events)
        let shutdown = try #require(hooks.firstIndex(of: "S.onShutdown"))
        let returned = try #require(hooks.firstIndex(of: "second stop returned"))
        #expect(shutdown < returned)
        #expect(service.state == .shutdown)
    }

    @Test("restart() during a stop in flight waits for it, then starts once")
    func restartDuringStop() async throws {
        let events = EventRecorder()
        let service = GatedService("S", events: events, gated: ["onStop"])
        try await service.start()
        let stopping = Task { await service.stop() }
        await events.waitFor("S.onStop")
        let restarting = Task { try await service.restart() }
        try await yieldUntil("the restart to wait for the stop") {
            service.lifecycle.suspendedWaiters == 1 || events.events.contains("S.onRestart")
        }
        events.record("open S.onStop")
        await stopping.value
        try await restarting.value
        #expect(
            GatedService.hooks(events) == [
                "S.onFirstStart", "S.onStart", "S.onStarted",
                "S.onStop", "S.onShutdown", "S.onRestart", "S.onStart", "S.onStarted",
            ]
        )
        #expect(service.state == .running)
        #expect(service.restartCount == 1)
        await service.stop()
    }

    @Test("two concurrent restarts start the service once")
    func concurrentRestarts() async throws {
        let events = EventRecorder()
        let service = GatedService("S", events: events, gated: ["onStop"])
        try await service.start()
        let first = Task { try await service.restart() }
        await events.waitFor("S.onStop")
        let second = Task { try await service.restart() }
        try await yieldUntil("the second restart to wait for the stop") {
            service.lifecycle.suspendedWaiters == 1 || events.events.contains("S.onRestart")
        }
        events.record("open S.onStop")
        try await first.value
        try await second.value
        let hooks = GatedService.hooks(events)
        #expect(hooks.filter { $0 == "S.onStart" }.count == 2)
        #expect(hooks.filter { $0 == "S.onRestart" }.count == 1)
        #expect(service.state == .running && service.restartCount == 1)
        await service.stop()
    }

    @Test("a parent's stop waits for a child's stop already in flight")
    func parentWaitsForChildStop() async throws {
        let events = EventRecorder()
        let parent = GatedService("P", events: events)
        let child = try parent.addDependency(GatedService("C", events: events, gated: ["onStop"]))
        try await parent.start()
        let childStop = Task { await child.stop() }
        await events.waitFor("C.onStop")
        let parentStop = Task { await parent.stop() }
        try await yieldUntil("the parent's stop to wait for the child") {
            child.lifecycle.suspendedWaiters == 1 || events.events.contains("P.onShutdown")
        }
        events.record("open C.onStop")
        await parentStop.value
        await childStop.value
        let hooks = GatedService.hooks(events)
        let childDone = try #require(hooks.firstIndex(of: "C.onShutdown"))
        let parentDone = try #require(hooks.firstIndex(of: "P.onShutdown"))
        #expect(childDone < parentDone)
        #expect(hooks.filter { $0 == "C.onStop" }.count == 1)
    }

    @Test("stop() during start() waits for the start to return early, then stops; no task is left")
    func stopDuringStart() async throws {
        let events = EventRecorder()
        let service = GatedService(
            "S", events: events, gated: ["onStart"], tasks: [recordingTask("T", events: events)])
        try service.addDependency(GatedService("A", events: events))
        let starting = Task { try await service.start() }
        await events.waitFor("S.onStart")
        let stopping = Task { await service.stop() }
        try await yieldUntil("the stop to wait for the start") {
            service.lifecycle.suspendedWaiters == 1 || events.events.contains("S.onStop")
        }
        events.record("open S.onStart")
        try await starting.value
        await stopping.value
        // The start returned after onStart (should stop): no task, no child start, no onStarted.
        #expect(
            GatedService.hooks(events) == [
                "S.onFirstStart", "S.onStart", "S.onStop", "A.onStop", "A.onShutdown", "S.onShutdown",
            ]
        )
        #expect(service.ownedTasks.isEmpty)
        #expect(service.state == .shutdown)
    }

    @Test("crash() during start(): the start returns early without error and the service reads crashed")
    func crashDuringStart() async throws {
        let events = EventRecorder()
        let service = GatedService("S", events: events, gated: ["onStart"], tasks: [recordingTask("T", events: events)])
        let child = try service.addDependency(GatedService("A", events: events))
        let starting = Task { try await service.start() }
        await events.waitFor("S.onStart")
        service.crash(Boom())
        events.record("open S.onStart")
        try await starting.value
        #expect(service.state == .crashed && child.state == .crashed)
        #expect(!events.events.contains("A.onStart") && !events.events.contains("T.started"))
        await service.stop()
        #expect(service.state == .crashed)
        #expect(events.events.contains("S.onShutdown"))
    }

    @Test("crash() during stop(): the stop runs to its end and the service reads crashed")
    func crashDuringStop() async throws {
        let events = EventRecorder()
        let service = GatedService("S", events: events, gated: ["onStop"], tasks: [recordingTask("T", events: events)])
        try await service.start()
        await events.waitFor("T.started")
        let stopping = Task { await service.stop() }
        await events.waitFor("S.onStop")
        service.crash(Boom())
        events.record("open S.onStop")
        await stopping.value
        #expect(events.events.suffix(2) == ["T.cancelled", "S.onShutdown"])
        #expect(service.state == .crashed)
        #expect(service.ownedTasks.isEmpty)
    }

    @Test("removeDependency during the child's start: the start returns early, the child ends stopped and detached")
    func removeDuringChildStart() async throws {
        let events = EventRecorder()
        let parent = GatedService("P", events: events)
        try await parent.start()
        let child = GatedService("C", events: events, gated: ["onStart"], tasks: [recordingTask("T", events: events)])
        let adding = Task { try await parent.addRuntimeDependency(child) }
        await events.waitFor("C.onStart")
        let removing = Task { await parent.removeDependency(child) }
        try await yieldUntil("the removal to wait for the child's start") {
            child.lifecycle.suspendedWaiters == 1 || events.events.contains("C.onStop")
        }
        events.record("open C.onStart")
        _ = try await adding.value
        await removing.value
        #expect(child.state == .shutdown)
        #expect(parent.children.isEmpty && child.path == "C")
        #expect(!events.events.contains("T.started") && child.ownedTasks.isEmpty)
        let hooks = GatedService.hooks(events)
        #expect(try #require(hooks.firstIndex(of: "C.onStart")) < #require(hooks.firstIndex(of: "C.onStop")))
        await parent.stop()
    }

    @Test("addRuntimeDependency during the parent's stop: added, not started, stopped with it, started on restart")
    func addDuringParentStop() async throws {
        let events = EventRecorder()
        let parent = GatedService("P", events: events, gated: ["onStop"])
        try await parent.start()
        let stopping = Task { await parent.stop() }
        await events.waitFor("P.onStop")
        let late = try await parent.addRuntimeDependency(GatedService("L", events: events))
        #expect(late.state == .initial)
        #expect(parent.children.count == 1)
        events.record("open P.onStop")
        await stopping.value
        #expect(!events.events.contains("L.onStart"))
        #expect(late.state == .shutdown)
        try await parent.restart()
        #expect(late.state == .running)
        await parent.stop()
    }

    @Test("a future added after the stop cancelled the tasks (from a cleanup) is cancelled at once")
    func lateFutureIsCancelled() async throws {
        let events = EventRecorder()
        let service = GatedService("S", events: events)
        try await service.start()
        service.addCleanup("spawns late") {
            service.addFuture("late") {
                await waitForever()  // returns only when cancelled
                events.record("late ended")
            }
        }
        await service.stop()
        try await yieldUntil("the late future to be cancelled") { events.events.contains("late ended") }
        #expect(service.ownedTasks.isEmpty)
    }

    @Test("a child's restart racing its parent's stop leaves the child stopped (a supervisor racing a shutdown)")
    func restartDuringParentStop() async throws {
        let events = EventRecorder()
        let parent = GatedService("P", events: events)
        let child = try parent.addDependency(GatedService("C", events: events, gated: ["onStop"]))
        try await parent.start()
        let restarting = Task { try await child.restart() }
        await events.waitFor("C.onStop")
        let stopping = Task { await parent.stop() }
        try await yieldUntil("the parent's stop to wait for the child") {
            child.lifecycle.suspendedWaiters == 1 || events.events.contains("P.onShutdown")
        }
        events.record("open C.onStop")
        try await restarting.value
        await stopping.value
        #expect(child.state == .shutdown && parent.state == .shutdown)
        #expect(!events.events.contains("C.onRestart"))
        #expect(child.restartCount == 0)
    }

    @Test("stop() from the service's own onStart returns at once; the start returns early and runs the stop")
    func stopFromOwnStart() async throws {
        let events = EventRecorder()
        let service = StoppingFromStart("S", events: events, stopsParent: false)
        try await service.start()
        #expect(events.events == ["S.onStart", "S.stop returned", "S.onStop", "S.onShutdown"])
        #expect(service.state == .shutdown)
    }

    @Test("stop() of the parent from a child's onStart: the parent starts no more children, then stops the tree")
    func parentStopFromChildStart() async throws {
        let events = EventRecorder()
        let parent = GatedService("P", events: events)
        try parent.addDependency(StoppingFromStart("C", events: events, stopsParent: true))
        try parent.addDependency(GatedService("D", events: events))
        try await parent.start()
        #expect(
            GatedService.hooks(events) == [
                // As mode: C's own start goes on; P starts no more children but still runs onStarted.
                "P.onFirstStart", "P.onStart", "C.onStart", "C.stop returned", "C.onStarted", "P.onStarted",
                "P.onStop", "D.onStop", "D.onShutdown", "C.onStop", "C.onShutdown", "P.onShutdown",
            ]
        )
        #expect(parent.state == .shutdown)
    }
}

/// Calls `stop()` on itself or on its parent from its `onStart`.
final class StoppingFromStart: Service {
    let lifecycle: ServiceLifecycleState
    let events: EventRecorder
    let stopsParent: Bool

    init(_ label: String, events: EventRecorder, stopsParent: Bool) {
        lifecycle = ServiceLifecycleState(logger: LogCapture().logger, label: label)
        self.events = events
        self.stopsParent = stopsParent
    }

    func onStart() async throws {
        events.record("\(label).onStart")
        await (stopsParent ? lifecycle.parent : self)?.stop()
        events.record("\(label).stop returned")
    }
    func onStarted() async throws { events.record("\(label).onStarted") }
    func onStop() async throws { events.record("\(label).onStop") }
    func onShutdown() async throws { events.record("\(label).onShutdown") }
}
