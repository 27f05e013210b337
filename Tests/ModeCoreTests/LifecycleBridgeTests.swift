import Logging
import ModeCore
import ModeTestKit
import ServiceLifecycle
import Synchronization
import Testing

@Suite("swift-service-lifecycle bridge")
struct LifecycleBridgeTests {
    static let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test("a swift-mode service runs inside a ServiceGroup and stops on graceful shutdown")
    func modeServiceInServiceGroup() async throws {
        let events = EventRecorder()
        let service = try makeTree(events: events, capture: LogCapture())
        let group = ServiceGroup(services: [LifecycleServiceAdapter(service)], logger: Self.quietLogger)
        let running = Task { try await group.run() }
        await events.waitFor("P.onStarted")
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(service.state == .shutdown)
        #expect(events.events.suffix(3) == ["A.onShutdown", "T.cancelled", "P.onShutdown"])
    }

    @Test("a crash of the swift-mode service fails the ServiceGroup with the crash reason")
    func crashFailsGroup() async throws {
        let events = EventRecorder()
        let service = RecordingService("S", events: events, tasks: [.task("explode") { throw Boom(what: "bad") }])
        service.lifecycle.setLogger(LogCapture().logger)
        let group = ServiceGroup(services: [LifecycleServiceAdapter(service)], logger: Self.quietLogger)
        await #expect(throws: ServiceTaskFailure.self) { try await group.run() }
        #expect(service.state == .crashed)
    }

    @Test("a ServiceLifecycle.Service runs as a child of a swift-mode tree and shuts down gracefully")
    func lifecycleServiceInModeTree() async throws {
        let events = EventRecorder()
        let parent = RecordingService("P", events: events)
        parent.lifecycle.setLogger(LogCapture().logger)
        let hosted = GracefulProbe(events: events)
        let host = try parent.addDependency(LifecycleServiceHost(hosted, label: "Probe"))
        try await parent.start()
        await events.waitFor("probe running")
        #expect(host.path == "P/Probe")
        #expect(host.ownedTasks.count == 1)
        await parent.stop()
        #expect(events.events.contains("probe graceful shutdown"))
        #expect(events.events.contains("probe returned"))
        #expect(!events.events.contains("probe cancelled"))
        #expect(host.state == .shutdown)
        #expect(parent.state == .shutdown)
    }

    @Test("a hosted service whose run() returns early crashes its host")
    func hostedServiceReturningCrashesHost() async throws {
        let parent = RecordingService("P", events: EventRecorder())
        parent.lifecycle.setLogger(LogCapture().logger)
        let host = try parent.addDependency(LifecycleServiceHost(ReturnsAtOnce(), label: "Quitter"))
        let supervisor = CountingSupervisor()
        host.lifecycle.setSupervisor(supervisor)
        try await parent.start()
        await host.waitUntilStopped()
        #expect(host.state == .crashed)
        #expect(parent.state == .running)
        await parent.stop()
    }
}

struct GracefulProbe: ServiceLifecycle.Service {
    let events: EventRecorder
    func run() async throws {
        events.record("probe running")
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    await waitUntilShutdown()
                }
            } onCancel: {
                events.record("probe cancelled")
            }
        } onGracefulShutdown: {
            events.record("probe graceful shutdown")
        }
        events.record("probe returned")
    }

    func waitUntilShutdown() async {
        try? await gracefulShutdown()
    }
}

struct ReturnsAtOnce: ServiceLifecycle.Service {
    func run() async throws {}
}
