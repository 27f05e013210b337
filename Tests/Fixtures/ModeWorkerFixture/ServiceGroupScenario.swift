import Mode
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `ModeWorkerFixture service-group [worker options]`: an application that already runs a `ServiceGroup` adds a
/// Worker (``WorkerService``) and names one of its members with ``Worker/watching(_:as:)``; the group owns
/// SIGTERM/SIGINT. The watched member blocks its thread once, 300 ms after it starts, for 1.5 s.
enum ServiceGroupScenario {
    static func run(options: ResolvedWorkerOptions) async -> Never {
        let worker = Worker(AppService(children: [Ticker()]), options: options)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: WorkerService(worker)), .init(service: worker.watching(GroupBlocker(), as: "Blocker"))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: Logger(label: "group")
            ))
        do {
            try await group.run()
            Worker.writeFixtureError("service group ended cleanly, worker \(worker.state)\n")
            exit(0)
        } catch {
            Worker.writeFixtureError("service group failed: \(error)\n")
            exit(1)
        }
    }
}

/// A plain swift-service-lifecycle service: blocks once, then runs until the group's graceful shutdown.
struct GroupBlocker: ServiceLifecycle.Service {
    func run() async throws {
        try await Task.sleep(for: .milliseconds(300))
        Worker.writeFixtureError("group member about to block\n")
        groupMemberBlockingWork(seconds: 1.5)
        Worker.writeFixtureError("group member done blocking\n")
        try? await gracefulShutdown()
    }
}

@inline(never)
func groupMemberBlockingWork(seconds: Double) {
    blockingWork(seconds: seconds)
}
