import ModeCore
import ModeTestKit
import Testing

@Suite("Task registry")
struct TaskRegistryTests {
    @Test("service tasks are recorded with service path, kind, site, state and runtime identity")
    func recordsServiceTasks() async throws {
        let events = EventRecorder()
        let service = RecordingService(
            "RegistryProbe", events: events, tasks: [recordingTask("probe-task", events: events)])
        service.lifecycle.setLogger(LogCapture().logger)
        try await service.start()
        await events.waitFor("probe-task.started")
        let registry = service.lifecycle.tree.tasks
        let record = try #require(
            registry.liveTasks().first { $0.servicePath == "RegistryProbe" && $0.name == "probe-task" })
        #expect(record.kind == .task)
        #expect(record.state == .running)
        #expect(record.creationSite.hasPrefix("ModeCoreTests/Support.swift:"))
        #expect(record.runtimeAddress != nil)
        #expect(registry.liveTask(runtimeAddress: record.runtimeAddress!)?.id == record.id)
        #expect(service.ownedTasks.map(\.id) == [record.id])
        await service.stop()
        let ended = try #require(registry.record(id: record.id))
        #expect(ended.state == .cancelled)
        #expect(ended.endedAt != nil)
        #expect(registry.finishedTasks().contains { $0.id == record.id })
    }

    @Test("a task's runtime address is the address of the current task while it runs")
    func runtimeIdentity() async throws {
        let registry = TaskRegistry()
        let seen = AsyncStream<UInt?>.makeStream()
        let (task, id) = registry.spawn("identity") {
            seen.continuation.yield(TaskRegistry.currentTaskAddress())
            seen.continuation.finish()
        }
        var iterator = seen.stream.makeAsyncIterator()
        let inside = await iterator.next() ?? nil
        await task.value
        #expect(inside != nil)
        #expect(registry.record(id: id)?.runtimeAddress == inside)
        #expect(registry.record(id: id)?.state == .finished)
    }

    @Test("failed and cancelled outcomes, parent ids, and the observer")
    func outcomes() async throws {
        let registry = TaskRegistry()
        let observed = EventRecorder()
        let observation = registry.observe { event in
            switch event {
            case .started(let record): observed.record("started \(record.name)")
            case .ended(let record): observed.record("ended \(record.name) \(record.state)")
            }
        }
        let (failing, failingID) = registry.spawn("failing", fileID: "Here.swift", line: 7) { throw Boom() }
        await failing.value
        let failed = try #require(registry.record(id: failingID))
        #expect(failed.state == .failed)
        #expect(failed.error == "boom")
        #expect(failed.creationSite == "Here.swift:7")

        let (parent, parentID) = registry.spawn("parent") {
            let (child, _) = registry.spawn("child") {}
            await child.value
        }
        await parent.value
        let child = try #require(registry.finishedTasks().first { $0.name == "child" })
        #expect(child.parentID == parentID)

        let (sleeper, sleeperID) = registry.spawn("sleeper") { await waitForever() }
        await observed.waitFor("started sleeper")
        #expect(registry.cancel(id: sleeperID)?.name == "sleeper")
        await sleeper.value
        #expect(registry.record(id: sleeperID)?.state == .cancelled)
        #expect(registry.cancel(id: 999_999) == nil)
        #expect(observed.events.contains("ended failing failed"))
        #expect(observed.events.contains("ended sleeper cancelled"))
        observation.cancel()
        await registry.spawn("unobserved") {}.task.value
        #expect(!observed.events.contains { $0.hasSuffix("unobserved") })
    }

    @Test("live tasks counted by owning service, ended ones not")
    func liveCountsByService() async throws {
        let registry = TaskRegistry()
        let ids = [
            registry.register(name: "a", kind: .user, servicePath: "Worker/App", creationSite: "x:1"),
            registry.register(name: "b", kind: .user, servicePath: "Worker/App", creationSite: "x:2"),
            registry.register(name: "c", kind: .user, servicePath: "Worker/Cache", creationSite: "x:3"),
            registry.register(name: "d", kind: .user, servicePath: nil, creationSite: "x:4"),
        ]
        #expect(registry.liveCountsByService() == ["Worker/App": 2, "Worker/Cache": 1, nil: 1])
        registry.markEnded(id: ids[2], outcome: .finished)
        #expect(registry.liveCountsByService() == ["Worker/App": 2, nil: 1])
    }

    @Test("the finished history is bounded")
    func boundedHistory() async throws {
        let registry = TaskRegistry(historyLimit: 10)
        for index in 0..<50 {
            await registry.spawn("t\(index)") {}.task.value
        }
        let finished = registry.finishedTasks()
        #expect(finished.count == 10)
        #expect(finished.map(\.name) == (40..<50).map { "t\($0)" })
        #expect(registry.liveCount == 0)
    }
}
