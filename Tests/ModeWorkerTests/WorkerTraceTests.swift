import Foundation
import Testing

/// Trace ids of a request in stall reports, crash reports and JSON logs, through a real Worker.
@Suite("Worker trace ids", .serialized)
struct WorkerTraceTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let spanID = "00f067aa0ba902b7"

    @Test("a stall in a traced request: the report names the request, its service and its trace; JSON logs carry it")
    func stallInATracedRequest() async throws {
        let child = try ChildWorker("traced", ["--no-console", "--blocking-timeout", "0.5", "--log-format", "json"])
        let output = try await child.waitFor("Traced request done")
        child.signal(SIGTERM)
        _ = try await child.waitForExit()
        let lines = output.split(separator: "\n").map(String.init)
        let report = try #require(lines.first { $0.contains("Blocking detected") && $0.contains("blockingWork(seconds:)") },
                                  "\(output)")
        #expect(report.contains(#"service: Worker/AppService/TracedRequests"#), "\(report)")
        #expect(report.contains("task: GET /traced"), "\(report)")
        #expect(report.contains("trace: trace=\(Self.traceID) span=\(Self.spanID)"), "\(report)")
        #expect(report.contains(#""trace_id":"\#(Self.traceID)""#), "a top-level field: \(report)")
        #expect(report.contains(#""span_id":"\#(Self.spanID)""#), "\(report)")
        // A line the handler logs carries the trace through the Worker's default metadata provider.
        let handled = try #require(lines.first { $0.contains("Handling a traced request") })
        #expect(handled.contains(#""trace_id":"\#(Self.traceID)""#), "\(handled)")
        #expect(handled.contains(#""span_id":"\#(Self.spanID)""#), "\(handled)")
        // Lines outside the request have none.
        let started = try #require(lines.first { $0.contains("Starting...") || $0.contains("-Starting") })
        #expect(!started.contains("trace_id"), "\(started)")
    }

    @Test("a crash in a traced request: the crash report's task carries the trace")
    func crashInATracedRequest() async throws {
        let path = ChildWorker.temporaryPath("traced-crash")
        let child = try ChildWorker("traced-crash", ["--no-console", "--logfile", path])
        let exit = try await child.waitForExit()
        #expect(exit.signalled, "\(exit)")
        let log = try String(contentsOfFile: path, encoding: .utf8)
        #expect(log.contains("=== swift-mode crash report begin ==="), "\(log)")
        let taskLine = try #require(log.split(separator: "\n").first { $0.hasPrefix("task: 0x") }, "\(log)")
        #expect(taskLine.contains("Worker/AppService/TracedRequests GET /traced trace=\(Self.traceID) span=\(Self.spanID)"),
                "\(taskLine)")
    }

    @Test("a crash in a traced request, JSON logs: the crash report's taskLabel carries the trace")
    func crashInATracedRequestJSON() async throws {
        let child = try ChildWorker("traced-crash", ["--no-console", "--log-format", "json"])
        let exit = try await child.waitForExit()
        #expect(exit.signalled, "\(exit)")
        let report = try #require(child.output.split(separator: "\n").first { $0.contains("\"taskLabel\"") },
                                  "\(child.output.prefix(4000))")
        #expect(report.contains("GET /traced trace=\(Self.traceID) span=\(Self.spanID)"), "\(report)")
    }
}
