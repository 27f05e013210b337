import Foundation
import Logging
import ModeWorker
import Synchronization
import Testing

@Suite("ModeLogHandler")
struct LogHandlerTests {
    let stamp = LogTimestamp(
        year: 2018, month: 3, day: 27, hour: 15, minute: 47, second: 12, millisecond: 159, utcOffsetSeconds: 0)

    private func makeLogger(
        _ sink: LogSink, control: LogLevelControl, format: LogFormat = .text, recent: RecentLogLines? = nil
    ) -> Logger {
        let stamp = self.stamp
        let configuration = ModeLogHandler.Configuration(
            sink: sink, format: format, colorEnabled: true, levelControl: control, recentLines: recent,
            now: { stamp })
        return Logger(label: "test") { label in ModeLogHandler(label: label, configuration: configuration) }
    }

    @Test func writesModeLinesWithServicePrefixToFile() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let sink = try LogSink(path: dir.file("app.log"))
        var logger = makeLogger(sink, control: LogLevelControl(level: .info))
        logger[metadataKey: "mode.service"] = "Worker/AppService/Webserver"
        logger.info("Serving on port 8000")
        logger.debug("hidden at info")
        logger.warning("slow", metadata: ["ms": "12"])
        #expect(
            readLogLines(dir.file("app.log")) == [
                "[2018-03-27 15:47:12,159: INFO]: [^--Webserver]: Serving on port 8000",
                "[2018-03-27 15:47:12,159: WARNING]: [^--Webserver]: slow ms=12",
            ])
    }

    @Test func noColourWhenSinkIsNotATerminal() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let sink = try LogSink(path: dir.file("app.log"))
        #expect(sink.isTerminal == false)
        let logger = makeLogger(sink, control: LogLevelControl(level: .info))
        logger.error("boom")
        #expect(readLogText(dir.file("app.log")).contains("\u{1B}") == false)
    }

    @Test func levelControlChangesEveryExistingLoggerAtOnce() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let sink = try LogSink(path: dir.file("app.log"))
        let control = LogLevelControl(level: .info)
        let first = makeLogger(sink, control: control)
        let second = makeLogger(sink, control: control)
        first.debug("one")
        second.debug("two")
        control.level = .debug
        #expect(first.logLevel == .debug)
        first.debug("three")
        second.debug("four")
        control.level = .error
        second.warning("five")
        #expect(readLogLines(dir.file("app.log")).map { $0.components(separatedBy: "]: ").last ?? "" } == ["three", "four"])
    }

    @Test func explicitLoggerLevelOverridesTheSharedLevel() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let sink = try LogSink(path: dir.file("app.log"))
        let control = LogLevelControl(level: .error)
        var verbose = makeLogger(sink, control: control)
        verbose.logLevel = .trace
        let normal = makeLogger(sink, control: control)
        verbose.trace("kept")
        normal.info("dropped")
        #expect(readLogLines(dir.file("app.log")) == ["[2018-03-27 15:47:12,159: TRACE]: kept"])
    }

    @Test func jsonFormatWritesOneValidObjectPerLine() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let sink = try LogSink(path: dir.file("app.jsonl"))
        var logger = makeLogger(sink, control: LogLevelControl(level: .info), format: .json)
        logger[metadataKey: "mode.service"] = "Worker/AppService"
        logger.info("multi\nline \"quoted\"", metadata: ["user": "42"])
        logger.error("failed", error: CancellationError())
        let lines = readLogLines(dir.file("app.jsonl"))
        #expect(lines.count == 2)
        let first = try #require(parseJSONLine(lines[0]))
        #expect(first["message"] as? String == "multi\nline \"quoted\"")
        #expect(first["label"] as? String == "[^-AppService]")
        #expect((first["metadata"] as? [String: String]) == ["user": "42"])
        #expect(first["logger"] as? String == "test")
        #expect(first["pid"] as? Int == Int(ProcessInfo.processInfo.processIdentifier))
        let second = try #require(parseJSONLine(lines[1]))
        #expect(second["level"] as? String == "error")
        #expect((second["metadata"] as? [String: String])?["error"] == "CancellationError()")
    }

    @Test func recentLinesKeepsPlainCopies() throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let sink = try LogSink(path: dir.file("app.log"))
        let recent = RecentLogLines(capacity: 2)
        let logger = makeLogger(sink, control: LogLevelControl(level: .info), recent: recent)
        for index in 1...3 { logger.info("line \(index)") }
        #expect(
            recent.snapshot() == [
                "[2018-03-27 15:47:12,159: INFO]: line 2", "[2018-03-27 15:47:12,159: INFO]: line 3",
            ])
    }

    @Test func concurrentWritersNeverInterleaveRecords() async throws {
        let dir = try LogTestDirectory()
        defer { dir.remove() }
        let sink = try LogSink(path: dir.file("app.log"))
        let logger = makeLogger(sink, control: LogLevelControl(level: .info))
        let writers = 8
        let perWriter = 200
        // Long lines (> PIPE_BUF) from many threads at once.
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let payload = String(repeating: Character(UnicodeScalar(UInt8(65 + writer))), count: 6000)
                    for index in 0..<perWriter {
                        logger.info("w\(writer) i\(index) \(payload)")
                    }
                }
            }
        }
        let lines = readLogLines(dir.file("app.log"))
        #expect(lines.count == writers * perWriter)
        for line in lines {
            let body = try #require(line.components(separatedBy: "]: ").last)
            let parts = body.split(separator: " ")
            #expect(parts.count == 3)
            let writer = Int(parts[0].dropFirst()) ?? -1
            let letter = Character(UnicodeScalar(UInt8(65 + writer)))
            #expect(parts[2].count == 6000 && parts[2].allSatisfy { $0 == letter })
        }
    }
}
