import ModeConsole
@testable import ModeWorker
import Testing

/// `warnings`: the lints over the tasks' figures, at manual times.
@Suite("TaskLints: tasks that do not yield, poll too long, or sleep with no wake-up")
struct TaskLintsTests {
    static func task(_ id: UInt64, running: UInt64? = nil, longest: UInt64? = nil, lastRan: UInt64? = nil) -> TaskLints.Task {
        TaskLints.Task(id: id, name: "t\(id)", service: "Worker/S", creationSite: "S.swift:\(id)",
                       runningNanoseconds: running, longestJobNanoseconds: longest, lastRanNanoseconds: lastRan)
    }

    @Test func eachLintFiresAboveItsThresholdOnlyAndNamesTheTask() {
        let lints = TaskLints()  // 1 s running, 100 ms poll, 60 s suspended
        let now: UInt64 = 100_000_000_000
        let warnings = lints.evaluate([
            Self.task(1, running: 2_500_000_000, longest: 50_000_000),  // on its thread for 2.5 s
            Self.task(2, running: 900_000_000),  // 0.9 s: below
            Self.task(3, longest: 150_000_000, lastRan: now - 1_000_000_000),  // one 150 ms job
            Self.task(4, longest: 100_000_000, lastRan: now - 61_000_000_000),  // exactly 100 ms: below; 61 s asleep
            Self.task(5, longest: 1_000_000, lastRan: now - 59_000_000_000),  // 59 s: below
            Self.task(6, running: 3_000_000_000, lastRan: now - 90_000_000_000),  // running: not "suspended"
        ], now: now)
        #expect(warnings.map(\.kind) == [.notYielding, .notYielding, .longPoll, .suspendedLong])
        #expect(warnings.map(\.task.id) == [6, 1, 3, 4], "worst first within each kind")
        #expect(warnings[1].text == "#1 t1 (Worker/S, created at S.swift:1) has not yielded for 2.5 s (its job is still on the thread)")
        #expect(warnings[2].text == "#3 t3 (Worker/S, created at S.swift:3) ran one job for 150 ms without yielding")
        #expect(warnings[3].text == "#4 t4 (Worker/S, created at S.swift:4) suspended for 61.0 s with no wake-up")
    }

    @Test func thresholdsComeFromTheCommandLineAndBadOnesAreRefused() throws {
        let thresholds = try TaskLints.thresholds(from: ["--running", "0.5", "--poll", "20", "--suspended", "3600"])
        #expect(thresholds == .init(running: 500_000_000, poll: 20_000_000, suspended: 3_600_000_000_000))
        #expect(throws: ConsoleError.self) { try TaskLints.thresholds(from: ["--poll"]) }
        #expect(throws: ConsoleError.self) { try TaskLints.thresholds(from: ["--poll", "-1"]) }
        #expect(throws: ConsoleError.self) { try TaskLints.thresholds(from: ["--idle", "1"]) }
    }
}
