import Foundation
import Testing

@Suite("Worker shutdown-timeout report")
struct WorkerShutdownReportTests {
    @Test("a stop stuck on tasks that ignore cancellation names each task with its creation site")
    func namesStuckTasks() async throws {
        let child = try ChildWorker("stuck-task", ["--no-console", "--shutdown-timeout", "1"])
        try await child.waitFor("Holding two tasks that ignore cancellation")
        child.signal(SIGINT)
        let exit = try await child.waitForExit()
        let output = child.output
        #expect(exit.status == 1, "\(exit)\n\(output)")
        let report = try #require(
            output.split(separator: "\n", omittingEmptySubsequences: false)
                .first { $0.contains("  Worker/AppService/StuckTask (stopping)") },
            "\(output)"
        )
        #expect(report.contains("waiting for its tasks to end"), "\(report)")
        #expect(report.contains("ignores-cancellation [task] at ModeWorkerFixture/Scenario+StuckTask.swift:8"), "\(report)")
        #expect(report.contains("stuck-future [future] at ModeWorkerFixture/Scenario+StuckTask.swift:12"), "\(report)")
    }
}
