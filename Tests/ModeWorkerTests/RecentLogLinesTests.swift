import Logging
import ModeWorker
import Testing

@Suite("RecentLogLines and LogLevelControl")
struct RecentLogLinesTests {
    @Test func keepsTheLastLinesOldestFirst() {
        let recent = RecentLogLines(capacity: 3)
        #expect(recent.snapshot().isEmpty)
        for index in 1...5 { recent.append("\(index)") }
        #expect(recent.snapshot() == ["3", "4", "5"])
        #expect(recent.totalAppended == 5)
    }

    @Test func defaultCapacityIs200() {
        let recent = RecentLogLines()
        for index in 0..<250 { recent.append("\(index)") }
        #expect(recent.capacity == 200)
        #expect(recent.snapshot().first == "50")
        #expect(recent.snapshot().count == 200)
    }

    @Test(arguments: [
        ("trace", Logger.Level.trace), ("DEBUG", .debug), (" info ", .info), ("Notice", .notice),
        ("warning", .warning), ("warn", .warning), ("error", .error), ("CRITICAL", .critical),
    ])
    func parsesLevelNames(name: String, level: Logger.Level) {
        #expect(LogLevelControl.parseLevel(name) == level)
    }

    @Test func rejectsUnknownLevelNames() {
        #expect(LogLevelControl.parseLevel("nonsense") == nil)
        #expect(LogLevelControl.parseLevel("") == nil)
    }

    @Test func levelRoundTripsThroughTheAtomic() {
        let control = LogLevelControl(level: .critical)
        for level in Logger.Level.allCases {
            control.level = level
            #expect(control.level == level)
        }
    }
}
