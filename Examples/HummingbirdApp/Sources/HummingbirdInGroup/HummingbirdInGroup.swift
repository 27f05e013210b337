import ArgumentParser
import Hummingbird
import InMemoryTracing
import Mode
import ServiceLifecycle
import Tracing
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// A Hummingbird application that already runs its own `ServiceGroup` (which owns SIGTERM/SIGINT and the
/// graceful shutdown) and adds swift-mode's stall watchdog, debug console and crash reports to it: the lines
/// marked `// swift-mode` are all it takes.
///
/// Requests are traced (Hummingbird's `TracingMiddleware`; an in-memory tracer stands for swift-otel here), and
/// swift-mode's request scope puts each request's trace id into its stall and crash reports and log lines.
///
///     swift run --package-path Examples/HummingbirdApp HummingbirdInGroup --blocking-timeout 0.5
///     curl 'localhost:8080/block?ms=700'     # reported: service Worker/Hummingbird, task GET /block, the trace
///                                            # id (the reply gives it too), the handler's line
@main
struct HummingbirdInGroup: AsyncParsableCommand {
    @OptionGroup var worker: WorkerOptions  // swift-mode: --blocking-timeout, --console-port, ...

    @Option(help: "The HTTP port.")
    var port: Int = 8080

    func run() async throws {
        let logger = Logger(label: "app")
        let tracer = InMemoryTracer(idGenerator: .w3c, recordInjections: false, recordExtractions: false)
        InstrumentationSystem.bootstrap(tracer)  // the app's tracer (swift-otel in production)
        let modeWorker = Worker(options: try worker.resolved())  // swift-mode
        let router = Router()
        router.add(middleware: TracingMiddleware())
        router.add(middleware: ModeRequests(worker: modeWorker))  // swift-mode: names each request, with its trace
        router.add(middleware: ExportSpans(tracer: tracer))
        router.get("/hello/:name") { _, context -> String in
            "Hello, \(context.parameters.get("name") ?? "world")!\n"
        }
        router.get("/block") { request, _ -> String in
            // A handler that calls a blocking function: the watchdog reports it while it blocks.
            let milliseconds = request.uri.queryParameters.get("ms", as: Int.self) ?? 700
            blockingLookup(milliseconds: milliseconds)
            return "blocked \(milliseconds) ms, trace \(TraceIdentity.current?.traceID ?? "-")\n"
        }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)

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

/// swift-mode: each request runs as a named task of the Worker, carrying the trace of its `ServiceContext`.
struct ModeRequests<Context: RequestContext>: RouterMiddleware {
    let worker: Worker
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response {
        try await worker.withRequest("\(request.method) \(request.uri.path)") { try await next(request, context) }
    }
}

/// Hands finished spans on (an exporter would send them; the example drops them), so memory stays bounded.
struct ExportSpans<Context: RequestContext>: RouterMiddleware {
    let tracer: InMemoryTracer
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response {
        defer { _ = tracer.popFinishedSpans() }
        return try await next(request, context)
    }
}

extension InMemoryTracer.IDGenerator {
    /// W3C-shaped ids (32 and 16 lowercase hex digits), as an OpenTelemetry tracer makes them.
    static var w3c: Self {
        Self(
            nextTraceID: { (0..<2).map { _ in hex(UInt64.random(in: 1...UInt64.max)) }.joined() },
            nextSpanID: { hex(UInt64.random(in: 1...UInt64.max)) })
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Stands for a synchronous database or file call made from a request handler.
@inline(never)
func blockingLookup(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}
