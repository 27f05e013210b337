import Foundation
import Testing

/// Issue 15 item 3: restarts must not accumulate state or memory, so their cost stays flat.
@Suite("Restart storms", .serialized)
struct RestartStormTests {
    /// One `restart-storm …` line of the fixture, as numbers.
    struct Sample {
        var fields: [String: Int] = [:]
        subscript(_ name: String) -> Int { fields[name] ?? -1 }

        init?(_ output: String, phase: String) {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("restart-storm \(phase)") })
            else { return nil }
            for pair in line.split(separator: " ").dropFirst() {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, let value = Int(parts[1]) { fields[String(parts[0])] = value }
            }
        }
    }

    @Test("3,000 more restarts of a service with a task, through a real Worker, leave every count and the RSS where they were")
    func restartsDoNotAccumulate() async throws {
        // Log lines go to a file: the write gate runs for each of them, as in production.
        let logFile = ChildWorker.temporaryPath("restart-storm")
        defer { try? FileManager.default.removeItem(atPath: logFile) }
        let child = try ChildWorker("restart-storm", ["--no-console", "--logfile", logFile])
        try await child.waitFor("restart-storm storm=")
        let exit = try await child.waitForExit()
        #expect(exit.status == 0 && !exit.signalled, "\(exit)\n\(child.output)")

        let after = try #require(Sample(child.output, phase: "warm-up="), "\(child.output)")
        let storm = try #require(Sample(child.output, phase: "storm="), "\(child.output)")
        #expect(storm["restarts"] == after["restarts"] + storm["storm"])
        // The structures a restart touches are back to their size after the warm-up (the finished-task
        // history is already at its bound of 1,000 then).
        for name in ["live_tasks", "finished_tasks", "owned"] {
            #expect(storm[name] == after[name], "\(name): \(after[name]) after the warm-up, \(storm[name]) after the storm")
        }
        #expect(storm["owned"] == 1)
        #expect(storm["finished_tasks"] == 1000)
        // A task is attributed once it runs: the restarted one may not have yet.
        #expect((0...storm["live_tasks"]).contains(storm["attributed"]))
        // Memory: before the fix each restart kept ~2.1 KB (6 MB for 3,000). Allow 2 MB of noise: even after
        // malloc_trim, two samples with nothing kept differ by 0.1-1.1 MB (measured on a quiet machine: 68,
        // 100, 216, 1,068 KB; 1.2-1.3 MB in two of six loaded full-suite runs). The exact per-restart heap is
        // mode-compare's restart-storm row (mallinfo2, < 64 B per restart).
        let growth = storm["rss_kb"] - after["rss_kb"]
        #expect(growth < 2048, "RSS grew \(growth) KB over \(storm["storm"]) restarts (\(growth * 1024 / max(1, storm["storm"])) B each)")
    }
}
