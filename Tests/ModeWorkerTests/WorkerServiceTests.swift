import Foundation
import Testing

/// Issue 14, item 2: a Worker as a member of the application's own `ServiceGroup` (real process, real signal).
@Suite("A Worker in an application's ServiceGroup")
struct WorkerServiceTests {
    @Test("the group owns SIGTERM; a watched member's stall names it; the Worker stops with the group, exit 0")
    func workerInAServiceGroup() async throws {
        let child = try ChildWorker("service-group", ["--no-console", "--blocking-timeout", "0.5"])
        let output = try await child.waitForOutput("the watched member's stall report") { output in
            output.contains("group member done blocking") && output.contains("Blocking ended:")
        }
        let report = try #require(
            output.components(separatedBy: "Blocking detected:").dropFirst().first {
                $0.contains("groupMemberBlockingWork(seconds:)")
            }, "\(output)")
        #expect(report.contains("service: Worker/Blocker"), "\(report)")
        #expect(report.contains("task: run (id "))
        #expect(report.contains("created at: ModeWorkerFixture/ServiceGroupScenario.swift:"))
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        let all = child.output
        #expect(exit.status == 0 && !exit.signalled, "\(exit)\n\(all)")
        #expect(all.contains("service group ended cleanly, worker shutdown"))
        #expect(all.contains("[^Worker]: -Stopped!"))
        // The group handled the signal, not the Worker.
        #expect(!all.contains("Signal received"))
    }
}

/// The standalone Worker's own signals (UnixSignals, consumed on a thread of their own).
@Suite("Worker signals with every pool thread stuck")
struct WorkerSignalsTests {
    @Test("SIGTERM is handled and a second one forces exit 143 while every pool thread blocks forever")
    func signalsWhileThePoolIsStuck() async throws {
        let child = try ChildWorker("block-forever", ["--no-console", "--blocking-timeout", "0"])
        // Eight tasks block for an hour: once two of them block, the 2-thread pool is saturated.
        try await child.waitForOutput("two blockers blocking") { output in
            output.components(separatedBy: "blocking\n").count > 2
        }
        child.signal(SIGTERM)
        try await child.waitFor("Signal received: SIGTERM")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 143 && !exit.signalled, "\(exit)\n\(child.output)")
        #expect(child.output.contains("Signal received during shutdown: SIGTERM; forcing exit with status 143"))
    }
}
