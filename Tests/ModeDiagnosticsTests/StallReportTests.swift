import Foundation
import ModeDiagnostics
import Testing

@Suite("StallReport formats (JSON golden fixture, text rendering)")
struct StallReportTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Diagnostics/Fixtures")

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Writes `report` as the golden fixtures when MODE_WRITE_STALL_FIXTURES=1 (used to regenerate them from a
    /// real stall, see Diagnostics/Formats/stall-report.md).
    static func writeFixturesIfRequested(_ report: StallReport) throws {
        guard ProcessInfo.processInfo.environment["MODE_WRITE_STALL_FIXTURES"] == "1" else { return }
        var json = try encoder().encode(report)
        json.append(0x0A)
        try json.write(to: fixtures.appendingPathComponent("stall-report.json"))
        try Data((report.render() + "\n").utf8).write(to: fixtures.appendingPathComponent("stall-report.txt"))
    }

    @Test func theJSONFixtureRoundTrips() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("stall-report.json"))
        let report = try JSONDecoder().decode(StallReport.self, from: data)
        var encoded = try Self.encoder().encode(report)
        encoded.append(0x0A)
        #expect(String(decoding: encoded, as: UTF8.self) == String(decoding: data, as: UTF8.self))
        #expect(try JSONDecoder().decode(StallReport.self, from: encoded) == report)
        #expect(report.formatVersion == 1)
        #expect(report.kind == .detected)
        #expect(report.frames.contains { $0.symbol?.contains("blockingWork") == true })
    }

    @Test func theTextFixtureIsTheRenderingOfTheJSONFixture() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("stall-report.json"))
        let report = try JSONDecoder().decode(StallReport.self, from: data)
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("stall-report.txt"), encoding: .utf8)
        #expect(report.render() + "\n" == text)
        #expect(text.hasPrefix("Blocking detected: thread "))
    }

    @Test func durationsAndHeadlinesRender() {
        #expect(StallReport.endLine(threadName: "mode-exec-1", threadID: 4242, total: .milliseconds(2_010))
                == "Blocking ended: thread mode-exec-1 (tid 4242) was busy for 2.01 s")
        #expect(StallReport.endLine(threadName: "w", threadID: 1, total: .milliseconds(512))
                == "Blocking ended: thread w (tid 1) was busy for 512 ms")
        #expect(StallReport.endLine(threadName: "w", threadID: 1, total: .milliseconds(10_004))
                == "Blocking ended: thread w (tid 1) was busy for 10.00 s")
        var report = StallReport(kind: .detected, reportID: 1, timestamp: "2026-01-01T00:00:00.000Z",
                                 processID: 1, thread: ThreadInfo(tid: 4242, name: "mode-exec-1", state: "S"),
                                 source: "thread", executor: "task-executor", busyMilliseconds: 512,
                                 timeoutMilliseconds: 500, site: "f()", unwinder: .libunwind, frames: [])
        #expect(report.headline == "Blocking detected: thread mode-exec-1 (tid 4242) busy for 512 ms (timeout 500 ms)")
        report.kind = .repeated
        report.repeatIndex = 2
        #expect(report.headline
                == "Blocking still detected: thread mode-exec-1 (tid 4242) busy for 512 ms (timeout 500 ms, repeat 2)")
    }
}

@Suite("StallReport: the trace of the stalled request")
struct StallReportTraceTests {
    @Test func aTracedTaskGivesATraceLineJSONFieldsAndACrashLabelThatKeepsTheTrace() throws {
        let data = try Data(contentsOf: StallReportTests.fixtures.appendingPathComponent("stall-report.json"))
        var report = try JSONDecoder().decode(StallReport.self, from: data)
        report.task = TaskAttribution(
            taskID: 24, taskName: "GET /block", servicePath: "Worker/AppService/Webserver",
            creationSite: "PageViews/Webserver.swift:82", traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
            spanID: "00f067aa0ba902b7")
        let lines = report.render().split(separator: "\n").map(String.init)
        let taskLine = try #require(lines.firstIndex(of: "  task: GET /block (id 24)"))
        #expect(lines[taskLine + 1] == "  trace: trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7")
        let json = String(decoding: try StallReportTests.encoder().encode(report), as: UTF8.self)
        #expect(json.contains(#""traceID" : "4bf92f3577b34da6a3ce929d0e0e4736""#), "\(json)")
        #expect(json.contains(#""spanID" : "00f067aa0ba902b7""#))
        // The crash handler's label puts the trace before the creation site, so its 192-byte copy keeps it.
        #expect(report.task?.label == "Worker/AppService/Webserver GET /block "
            + "trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7 (PageViews/Webserver.swift:82)")
        // Untraced tasks render as before: no trace line.
        report.task?.traceID = nil
        #expect(!report.render().contains("trace:"))
    }
}
