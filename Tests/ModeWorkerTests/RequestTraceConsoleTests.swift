import ModeConsole
import ModeCore
@testable import ModeWorker
import Testing

/// A request scope's trace in the console: `where` and the JSON of `ps`/`where`.
@Suite("Console: the trace of a request")
struct RequestTraceConsoleTests {
    @Test func whereAndPsJSONGiveARequestsTraceAndOnlyWhenItHasOne() async throws {
        let tasks = TaskRegistry()
        let trace = TraceIdentity(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7")
        let (traced, plain) = try await tasks.withRequest("GET /users", trace: trace) {
            let traced = try #require(tasks.liveTasks().first { $0.kind == .request })
            let plain = tasks.register(name: "poll", kind: .task, servicePath: "Worker/App", creationSite: "x:1")
            return (traced.id, plain)
        }
        let output = try WorkerConsoleCommands.whereTask(["\(traced)"], in: tasks)
        #expect(output.text.contains("  trace:      trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7"),
                "\(output.text)")
        let json = output.jsonDocument.rendered()
        #expect(json.contains(#""trace_id":"4bf92f3577b34da6a3ce929d0e0e4736""#), "\(json)")
        #expect(json.contains(#""span_id":"00f067aa0ba902b7""#))
        let untraced = try WorkerConsoleCommands.whereTask(["\(plain)"], in: tasks)
        #expect(!untraced.text.contains("trace:"))
        #expect(!untraced.jsonDocument.rendered().contains("trace_id"))
    }
}
