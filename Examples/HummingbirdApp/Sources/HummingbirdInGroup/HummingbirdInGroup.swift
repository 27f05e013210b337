import ArgumentParser
import Hummingbird
import Mode
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// A Hummingbird application that already runs its own `ServiceGroup` (which owns SIGTERM/SIGINT and the
/// graceful shutdown) and adds swift-mode's stall watchdog, debug console and crash reports to it: the lines
/// marked `// swift-mode` are all it takes.
///
///     swift run --package-path Examples/HummingbirdApp HummingbirdInGroup --blocking-timeout 0.5
///     curl 'localhost:8080/block?ms=700'     # reported: service Worker/Hummingbird, task run, the handler's line
@main
struct HummingbirdInGroup: AsyncParsableCommand {
    @OptionGroup var worker: WorkerOptions  // swift-mode: --blocking-timeout, --console-port, ...

    @Option(help: "The HTTP port.")
    var port: Int = 8080

    func run() async throws {
        let logger = Logger(label: "app")
        let router = Router()
        router.get("/hello/:name") { _, context -> String in
            "Hello, \(context.parameters.get("name") ?? "world")!\n"
        }
        router.get("/block") { request, _ -> String in
            // A handler that calls a blocking function: the watchdog reports it while it blocks.
            let milliseconds = request.uri.queryParameters.get("ms", as: Int.self) ?? 700
            blockingLookup(milliseconds: milliseconds)
            return "blocked \(milliseconds) ms\n"
        }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)

        let modeWorker = Worker(options: try worker.resolved())  // swift-mode
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: WorkerService(modeWorker)),  // swift-mode
                    .init(service: modeWorker.watching(application, as: "Hummingbird")),  // swift-mode: names it
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
        try await group.run()
    }
}

/// Stands for a synchronous database or file call made from a request handler.
@inline(never)
func blockingLookup(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}
