import Instrumentation
import ModeCore
import Testing

@Suite("TraceIdentity: trace and span ids from propagation headers")
struct TraceIdentityTests {
    @Test func aW3CTraceparentGivesItsTraceAndSpanIDs() {
        let identity = TraceIdentity(traceparent: " 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01 ")
        #expect(identity == TraceIdentity(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7"))
        #expect(identity?.description == "trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7")
        // A later version may append fields.
        #expect(TraceIdentity(traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra") != nil)
    }

    @Test(arguments: [
        "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  // three fields
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // forbidden version
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // 31 digits
        "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",  // not hex
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // version 00 with a fifth field
    ])
    func anInvalidTraceparentGivesNothing(_ header: String) {
        #expect(TraceIdentity(traceparent: header) == nil)
    }

    @Test func propagationHeadersAreReadW3CFirstThenB3ThenAnyTraceAndSpanIDKeys() {
        let w3c = TraceIdentity(propagationHeaders: [
            "TraceParent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "x-b3-traceid": "abc",
        ])
        #expect(w3c?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        let single = TraceIdentity(propagationHeaders: ["b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"])
        #expect(single == TraceIdentity(traceID: "80f198ee56343ba864fe8b2a57d3eff7", spanID: "e457b5a2e4d86bd1"))
        let multi = TraceIdentity(propagationHeaders: ["X-B3-TraceId": "463AC35C9F6413AD", "X-B3-SpanId": "A2FB4A1D1A96D312"])
        #expect(multi == TraceIdentity(traceID: "463ac35c9f6413ad", spanID: "a2fb4a1d1a96d312"))
        // swift-distributed-tracing's InMemoryTracer propagates its own keys.
        let inMemory = TraceIdentity(propagationHeaders: ["in-memory-trace-id": "trace-7", "in-memory-span-id": "span-9"])
        #expect(inMemory == TraceIdentity(traceID: "trace-7", spanID: "span-9"))
        #expect(TraceIdentity(propagationHeaders: ["baggage": "k=v"]) == nil)
        #expect(TraceIdentity(propagationHeaders: [:]) == nil)
    }

    @Test func withoutATracerTheCurrentContextHasNoIdentity() async {
        // No instrument is bootstrapped in this test process: the no-op instrument propagates nothing.
        #expect(TraceIdentity.current == nil)
        #expect(TraceIdentity(context: .topLevel) == nil)
    }

    @Test func aRequestScopeIsALiveTaskOfItsServiceCarryingTheTrace() async throws {
        let registry = TaskRegistry()
        let trace = TraceIdentity(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7")
        let outer = registry.register(name: "http", kind: .task, servicePath: "Worker/Web", creationSite: "x:1")
        let seen = await TaskRegistry.$currentTaskID.withValue(outer) {
            await registry.withRequest("GET /users", trace: trace) {
                registry.liveTasks().first { $0.kind == .request }
            }
        }
        let record = try #require(seen)
        #expect(record.name == "GET /users")
        #expect(record.servicePath == "Worker/Web", "the service of the task it runs in")
        #expect(record.trace == trace)
        #expect(record.parentID == outer)
        #expect(record.creationSite.hasPrefix("ModeCoreTests/TraceIdentityTests.swift:"))
        #expect(registry.liveTasks().allSatisfy { $0.kind != .request }, "the scope ended with the request")
        #expect(registry.finishedTasks().last?.trace == trace)
    }
}
