import Foundation
import Testing

/// Stall reports and thread dumps of a real Worker process.
@Suite("Worker diagnostics", .serialized)
struct WorkerDiagnosticsTests {
    @Test("a service blocking in a named function is reported with function, file:line, service and task")
    func stallReport() async throws {
        let child = try ChildWorker("stall", ["--no-console", "--blocking-timeout", "0.2"])
        let output = try await child.waitFor("Blocking ended:")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0)
        let reports = output.components(separatedBy: "Blocking detected:")
        #expect(reports.count == 2, "exactly one report:\n\(output)")
        let report = try #require(reports.last)
        #expect(report.contains("service: Worker/AppService/BlockingService"))
        #expect(report.contains("task: block-once"))
        #expect(report.contains("created at: ModeWorkerFixture/Scenario.swift:"))
        #expect(report.contains("blockingWork(seconds:) at "), "\(report)")
        #expect(report.range(of: #"Scenario\.swift:\d+"#, options: .regularExpression) != nil)
        #expect(report.range(of: #"\[ModeWorkerFixture\+0x[0-9a-f]+\]"#, options: .regularExpression) != nil)
        #expect(output.range(of: #"Blocking ended: thread mode-exec-\d+ \(tid \d+\) was busy for 2\.0\d s"#,
                             options: .regularExpression) != nil, "\(output)")
    }

    @Test("SIGUSR1 dumps threads, tasks and services while the process keeps running")
    func threadDump() async throws {
        let child = try ChildWorker("block-until-dumped", ["--no-console", "--blocking-timeout", "0"])
        try await child.waitFor("About to block")
        child.signal(SIGUSR1)
        let output = try await child.waitForOutput("the dump's service tree") {
            $0.contains("Thread dump (SIGUSR1)") && $0.contains("DumpTarget [running]")
        }
        #expect(output.contains("blockUntilDumped()"), "\(output)")
        #expect(output.contains("Worker/AppService/DumpTarget:"))
        #expect(output.contains("wait-for-dump [task]"))
        #expect(output.contains("=== swift-mode thread dump begin ==="))
        #expect(output.contains("mode-exec-"))
        try await child.waitFor("Done blocking")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0, "\(exit)")
    }
}
