import Foundation
@testable import ModeWorker
import Testing

/// A Worker in a process whose logging is set up by the application, and mode's handler with a metadata provider.
@Suite("Worker logging that composes")
struct WorkerLoggingTests {
    @Test("an application that bootstrapped its own handler keeps it: the Worker logs through it and does not crash")
    func applicationHandlerFirst() async throws {
        let child = try ChildWorker("app-logging", ["--no-console", "--blocking-timeout", "0"])
        let output = try await child.waitFor("APP| info mode: Starting...")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0, "\(exit) \(child.output)")
        // The Worker's lines went through the application's handler, none through mode's format.
        #expect(output.contains("APP| info mode: Starting..."), "\(output)")
        let final = child.output
        #expect(final.contains("APP| info mode: Stopping..."), "\(final)")
        #expect(!final.contains("[^Worker]"), "mode's handler was not installed: \(final)")
        #expect(!final.contains("can only be initialized once"))
    }

    @Test("mode's handler with a metadata provider puts its metadata in every JSON record")
    func metadataProvider() async throws {
        let child = try ChildWorker("metadata-provider", ["--no-console", "--blocking-timeout", "0", "--log-format", "json"])
        _ = try await child.waitFor("Starting...")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0, "\(exit)")
        let records = child.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(!records.isEmpty)
        for record in records {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any])
            #expect(object["metadata"] is [String: Any], "\(record)")
            // The trace context is written where log pipelines look for it: a top-level field.
            #expect(object["trace_id"] as? String == "4bf92f3577b34da6", "\(record)")
        }
    }

    @Test("the bootstrap decision: automatic bootstraps only when the process has no handler of its own")
    func bootstrapDecision() {
        #expect(WorkerLogging().shouldBootstrap(processHasOwnHandler: false))
        #expect(!WorkerLogging().shouldBootstrap(processHasOwnHandler: true))
        #expect(WorkerLogging(bootstrap: .always).shouldBootstrap(processHasOwnHandler: true))
        #expect(!WorkerLogging(bootstrap: .never).shouldBootstrap(processHasOwnHandler: false))
        // This test process never bootstraps swift-log: the default StreamLogHandler is not "its own".
        #expect(!WorkerLogging.processHasOwnHandler)
    }
}
