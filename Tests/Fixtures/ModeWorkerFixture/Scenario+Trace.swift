import Instrumentation
import Mode

/// Requests that carry a distributed-tracing context: a fixture instrument propagates it as W3C `traceparent`
/// (the way swift-otel does), a service handles one "request" in `withRequest`, logs inside it, then blocks
/// (`traced`) or crashes (`traced-crash`).
extension Scenario {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let spanID = "00f067aa0ba902b7"

    static func traced(crash: Bool) -> Scenario {
        Scenario(makeRoot: { AppService(children: [TracedRequests(crash: crash)]) }) { _ in
            InstrumentationSystem.bootstrap(FixtureW3CInstrument())
        }
    }
}

/// A span context in a `ServiceContext`, as a tracer keeps it.
enum FixtureSpanKey: ServiceContextKey {
    typealias Value = (traceID: String, spanID: String)
}

/// Injects the context's span as `traceparent`; extracts nothing (the fixture makes its contexts itself).
struct FixtureW3CInstrument: Instrument {
    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let span = context[FixtureSpanKey.self] else { return }
        injector.inject("00-\(span.traceID)-\(span.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {}
}

/// Handles one traced request: logs, then blocks for 1.5 s or crashes.
actor TracedRequests: Service {
    let lifecycle = ServiceLifecycleState()
    let crash: Bool
    init(crash: Bool) { self.crash = crash }

    nonisolated var tasks: [ServiceTask] {
        [.task("http") {
            await self.sleep(for: .milliseconds(300))
            var context = ServiceContext.topLevel
            context[FixtureSpanKey.self] = (Scenario.traceID, Scenario.spanID)
            await ServiceContext.withValue(context) {
                await self.lifecycle.tree.tasks.withRequest("GET /traced") {
                    self.logger.info("Handling a traced request")
                    if self.crash {
                        crashingWork(nil)
                    } else {
                        blockingWork(seconds: 1.5)
                    }
                    self.logger.info("Traced request done")
                }
            }
        }]
    }
}
