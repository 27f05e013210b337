import ModeDiagnostics
@testable import ModeWorker
import Testing

/// `top`'s ranking, from snapshots at manual times (no clock read, no sleep).
@Suite("TaskTopTable: services and tasks by executor time over a window")
struct TaskTopTableTests {
    typealias Sample = TaskTopTable.Sample

    static func sample(_ id: UInt64, _ name: String, _ service: String, busyMs: UInt64, jobs: UInt64) -> Sample {
        Sample(id: id, name: name, service: service, busyNanoseconds: busyMs * 1_000_000, jobs: jobs,
               createdNanoseconds: 1_000_000_000)
    }

    @Test func theBusyTaskOfTheWindowRanksAboveIdleOnesWhateverTheirTotals() {
        // At t = 11 s: "old" has a large total from before the window; at t = 21 s it has not run since.
        let earlier = TaskTopTable.Snapshot(atNanoseconds: 11_000_000_000, samples: [
            Self.sample(1, "old", "Worker/A", busyMs: 9_000, jobs: 900),
            Self.sample(2, "busy", "Worker/B", busyMs: 100, jobs: 10),
            Self.sample(3, "idle", "Worker/B", busyMs: 5, jobs: 1),
        ])
        let now = TaskTopTable.Snapshot(atNanoseconds: 21_000_000_000, samples: [
            Self.sample(1, "old", "Worker/A", busyMs: 9_000, jobs: 900),
            Self.sample(2, "busy", "Worker/B", busyMs: 5_100, jobs: 510),
            Self.sample(3, "idle", "Worker/B", busyMs: 5, jobs: 1),
        ])
        let table = TaskTopTable(previous: earlier, current: now)
        #expect(table.windowNanoseconds == 10_000_000_000)
        #expect(table.tasks.map(\.name) == ["busy", "idle", "old"] || table.tasks.map(\.name) == ["busy", "old", "idle"])
        #expect(table.tasks.first?.busyNanoseconds == 5_000_000_000)
        #expect(table.tasks.first?.jobs == 500)
        #expect(table.tasks.first?.share == 0.5, "5 s of a 10 s window")
        #expect(table.tasks.first { $0.name == "old" }?.busyNanoseconds == 0)
        #expect(table.services.map(\.name) == ["Worker/B", "Worker/A"])
        #expect(table.services.first?.busyNanoseconds == 5_000_000_000)
        let text = table.render(limit: 2)
        #expect(text.hasPrefix("Executor time over the last 10.0 s (since the previous top)"), "\(text)")
        #expect(text.contains("50.0 %"))
        #expect(text.contains("(1 more tasks: top <count>)"))
    }

    @Test func aFirstTopMeasuresEachTaskOverItsLifeAndANewTaskOverItsOwn() {
        let now = TaskTopTable.Snapshot(atNanoseconds: 5_000_000_000, samples: [
            Self.sample(1, "steady", "Worker/A", busyMs: 1_000, jobs: 100),  // created at 1 s: 4 s of life
        ])
        let first = TaskTopTable(previous: nil, current: now)
        #expect(first.windowNanoseconds == nil)
        #expect(first.tasks.first?.share == 0.25)
        #expect(first.render(limit: 20).hasPrefix("Executor time over each task's life"))
        // Then a task born inside the next window is measured over its own life, not the window.
        var born = Self.sample(2, "newcomer", "Worker/A", busyMs: 500, jobs: 5)
        born.createdNanoseconds = 9_000_000_000
        let later = TaskTopTable.Snapshot(atNanoseconds: 10_000_000_000, samples: now.samples + [born])
        let second = TaskTopTable(previous: now, current: later)
        #expect(second.tasks.first { $0.name == "newcomer" }?.share == 0.5, "500 ms of its 1 s")
        #expect(second.tasks.first { $0.name == "steady" }?.share == 0)
    }

    @Test func tasksThatEndedInTheWindowCountForTheirService() {
        var earlier = TaskTopTable.Snapshot(atNanoseconds: 10_000_000_000, samples: [])
        earlier.ended = ["Worker/Web": .init(jobs: 100, busyNanoseconds: 1_000_000_000), "Worker/Idle": .init(jobs: 1, busyNanoseconds: 0)]
        var now = TaskTopTable.Snapshot(atNanoseconds: 20_000_000_000, samples: [
            Self.sample(1, "accept", "Worker/Web", busyMs: 0, jobs: 3),
        ])
        now.ended = ["Worker/Web": .init(jobs: 150, busyNanoseconds: 3_000_000_000), "Worker/Idle": .init(jobs: 1, busyNanoseconds: 0)]
        let table = TaskTopTable(previous: earlier, current: now)
        let web = table.services.first { $0.name == "Worker/Web" }
        #expect(web?.busyNanoseconds == 2_000_000_000, "the requests that ended in the window")
        #expect(web?.jobs == 53)
        #expect(web?.share == 0.2)
        #expect(table.services.first?.name == "Worker/Web")
        #expect(!table.services.contains { $0.name == "Worker/Idle" }, "no growth in the window: not listed")
        // On a first top the window of ended tasks is unknown: their service's share is not given (not 0 %).
        let first = TaskTopTable(previous: nil, current: now)
        #expect(first.services.first { $0.name == "Worker/Web" }?.share == nil)
        #expect(first.render(limit: 5).contains(#/\| Worker/Web\s+\| 3000\.0 ms \|\s+- \|/#), "\(first.render(limit: 5))")
    }
}
