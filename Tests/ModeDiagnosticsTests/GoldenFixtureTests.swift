import Foundation
import ModeDiagnostics
import Testing

@Suite("Golden fixtures in Diagnostics/Fixtures")
struct GoldenFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Diagnostics/Fixtures")

    private func lines(_ name: String) throws -> [Substring] {
        try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
    }

    /// Decoding then re-encoding gives the same JSON value (key order and number spelling aside).
    private func expectRoundTrip<T: Codable>(_ type: T.Type, _ line: Substring) throws {
        let original = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary
        let decoded = try JSONDecoder().decode(T.self, from: Data(line.utf8))
        let reencoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded)) as? NSDictionary
        #expect(original != nil && original == reencoded)
    }

    @Test("crash-report.json: a core and a symbolicated record that round-trip")
    func crashReportJSON() throws {
        let records = try lines("crash-report.json")
        #expect(records.count == 2)
        for line in records { try expectRoundTrip(CrashReportRecord.self, line) }
        let core = try JSONDecoder().decode(CrashReportRecord.self, from: Data(records[0].utf8))
        #expect(core.crash.part == "core")
        #expect(core.message.hasPrefix("CRASH: signal SIGILL (illegal instruction) at 0x"))
        #expect(core.crash.images.contains { $0.name == "ModeDiagnosticsFixture" })
        let rich = try JSONDecoder().decode(CrashReportRecord.self, from: Data(records[1].utf8))
        #expect(rich.crash.frames.contains { $0.symbol == "fixtureForceUnwrapNil(_:)" && $0.line != nil })
    }

    @Test("crash-report.txt: delimited blocks with module+offset frame lines")
    func crashReportText() throws {
        let text = try lines("crash-report.txt")
        #expect(text.first == "=== swift-mode crash report begin ===")
        #expect(text.contains("=== swift-mode crash report end ==="))
        #expect(text.last == "=== swift-mode crash report (symbolicated) end ===")
        let frameLine = /^  #\d+ +0x[0-9a-f]{16}  [^ ]+\+0x[0-9a-f]+$/
        let end = try #require(text.firstIndex(of: "=== swift-mode crash report end ==="))
        let coreFrames = text[..<end].filter { $0.hasPrefix("  #") }
        #expect(!coreFrames.isEmpty)
        #expect(coreFrames.allSatisfy { $0.wholeMatch(of: frameLine) != nil })
    }

    @Test("thread-dump.json round-trips and renders as thread-dump.txt's shape")
    func threadDump() throws {
        let line = try #require(try lines("thread-dump.json").first)
        try expectRoundTrip(ThreadDump.self, line)
        let dump = try JSONDecoder().decode(ThreadDump.self, from: Data(line.utf8))
        #expect(dump.threads.contains { $0.info.name == "blocked-thread" })
        let rendered = dump.render()
        #expect(rendered.hasPrefix("=== swift-mode thread dump begin ==="))
        let text = try lines("thread-dump.txt")
        #expect(text.first == "=== swift-mode thread dump begin ===")
        #expect(text.contains { $0.contains("fixtureBlockedInNamedFunction") })
        // The tasks with their async stacks (captured from the PageViews demo): rendered exactly as the text.
        let tasks = try #require(dump.tasks)
        #expect(tasks.first { $0.name == "http-accept" }?.frames.contains { $0.symbol?.contains("Webserver.onStart") == true } == true)
        let block = rendered.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { !$0.hasPrefix("--- tasks") }.prefix { !$0.hasPrefix("--- fixture") }
        #expect(!block.isEmpty)
        #expect(Array(block) == Array(text.drop { !$0.hasPrefix("--- tasks") }.prefix { !$0.hasPrefix("--- fixture") }))
    }
}
