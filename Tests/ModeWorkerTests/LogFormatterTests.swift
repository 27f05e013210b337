import Foundation
import Logging
import ModeWorker
import Testing

@Suite("ModeLogFormatter")
struct LogFormatterTests {
    let stamp = LogTimestamp(
        year: 2018, month: 3, day: 27, hour: 15, minute: 47, second: 12, millisecond: 159, utcOffsetSeconds: 7200)

    @Test func textLineMatchesModeExactly() {
        let record = ModeLogFormatter.Record(
            timestamp: stamp, level: .info, message: "Serving on port 8000",
            metadata: ["mode.service": "Worker/AppService/Webserver"], label: "mode")
        let line = ModeLogFormatter(format: .text).format(record)
        #expect(line == "[2018-03-27 15:47:12,159: INFO]: [^--Webserver]: Serving on port 8000\n")
    }

    @Test(arguments: [
        ("Worker", "[^Worker]"), ("Worker/AppService", "[^-AppService]"),
        ("Worker/AppService/Webserver", "[^--Webserver]"), ("A/B/C/D", "[^---D]"),
    ])
    func serviceLabelDepth(path: String, label: String) {
        #expect(ModeLogFormatter.serviceLabel(forPath: path) == label)
    }

    @Test func emptyServicePathHasNoLabel() {
        #expect(ModeLogFormatter.serviceLabel(forPath: "") == nil)
    }

    @Test func noPrefixWithoutServiceAndMetadataSortedAfterMessage() {
        let record = ModeLogFormatter.Record(
            timestamp: stamp, level: .warning, message: "slow", metadata: ["zeta": "1", "alpha": "two words"],
            label: "x")
        let line = ModeLogFormatter().format(record)
        #expect(line == "[2018-03-27 15:47:12,159: WARNING]: slow alpha=two words zeta=1\n")
    }

    @Test func serviceKeyIsNotRepeatedInMetadata() {
        let record = ModeLogFormatter.Record(
            timestamp: stamp, level: .error, message: "boom", metadata: ["mode.service": "Worker", "a": "b"],
            label: "x")
        #expect(ModeLogFormatter().format(record) == "[2018-03-27 15:47:12,159: ERROR]: [^Worker]: boom a=b\n")
    }

    @Test(arguments: [
        (Logger.Level.trace, "TRACE"), (.debug, "DEBUG"), (.info, "INFO"), (.notice, "NOTICE"),
        (.warning, "WARNING"), (.error, "ERROR"), (.critical, "CRITICAL"),
    ])
    func levelNames(level: Logger.Level, name: String) {
        #expect(ModeLogFormatter.levelName(level) == name)
    }

    @Test func timestampPadsEveryField() {
        let early = LogTimestamp(
            year: 2024, month: 1, day: 2, hour: 3, minute: 4, second: 5, millisecond: 7, utcOffsetSeconds: -(5 * 3600 + 30 * 60))
        #expect(early.textFormat == "2024-01-02 03:04:05,007")
        #expect(early.iso8601 == "2024-01-02T03:04:05.007-05:30")
        #expect(stamp.iso8601 == "2018-03-27T15:47:12.159+02:00")
    }

    @Test func timestampFromEpochUsesLocalTimeConsistently() {
        // 2021-06-15T12:34:56.789Z; check against localtime_r's own offset rather than a hard-coded zone.
        let t = LogTimestamp(secondsSinceEpoch: 1_623_760_496, nanoseconds: 789_000_000)
        #expect(t.millisecond == 789)
        let localSeconds = ((t.hour * 60 + t.minute) * 60 + t.second) - t.utcOffsetSeconds
        let utcSecondsOfDay = ((localSeconds % 86_400) + 86_400) % 86_400
        #expect(utcSecondsOfDay == (12 * 60 + 34) * 60 + 56)
    }

    @Test func colourWrapsBodyOnlyAndPlainLineHasNoEscapes() {
        let record = ModeLogFormatter.Record(
            timestamp: stamp, level: .error, message: "boom", metadata: ["mode.service": "Worker"], label: "x")
        let (line, plain) = ModeLogFormatter(format: .text, useColor: true).render(record)
        #expect(line == "[2018-03-27 15:47:12,159: ERROR]: \u{1B}[31m[^Worker]: boom\u{1B}[0m\n")
        #expect(plain == "[2018-03-27 15:47:12,159: ERROR]: [^Worker]: boom")
    }

    @Test func jsonLineHasAllFields() throws {
        let record = ModeLogFormatter.Record(
            timestamp: stamp, level: .info, message: "Serving on port 8000",
            metadata: ["mode.service": "Worker/AppService", "port": "8000", "tags": ["a", "b"], "nested": ["k": "v"]],
            label: "mode", source: "ModeCore", file: "ModeCore/Service.swift", function: "start()", line: 42)
        let line = ModeLogFormatter(format: .json, processID: 4321).format(record)
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false)
        let object = try #require(parseJSONLine(String(line.dropLast())))
        #expect(object["time"] as? String == "2018-03-27T15:47:12.159+02:00")
        #expect(object["level"] as? String == "info")
        #expect(object["service"] as? String == "Worker/AppService")
        #expect(object["label"] as? String == "[^-AppService]")
        #expect(object["message"] as? String == "Serving on port 8000")
        #expect(object["logger"] as? String == "mode")
        #expect(object["source"] as? String == "ModeCore")
        #expect(object["file"] as? String == "ModeCore/Service.swift")
        #expect(object["line"] as? Int == 42)
        #expect(object["pid"] as? Int == 4321)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["port"] as? String == "8000")
        #expect(metadata["tags"] as? [String] == ["a", "b"])
        #expect((metadata["nested"] as? [String: String]) == ["k": "v"])
        #expect(metadata["mode.service"] == nil)
    }

    @Test func jsonWritesTheTraceContextAsTopLevelFields() throws {
        let record = ModeLogFormatter.Record(
            timestamp: stamp, level: .info, message: "m",
            metadata: ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "k": "v"],
            label: "l")
        let object = try #require(parseJSONLine(ModeLogFormatter(format: .json).format(record)))
        #expect(object["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(object["span_id"] as? String == "00f067aa0ba902b7")
        #expect(object["metadata"] as? [String: String] == ["k": "v"], "moved, not repeated")
        // Without a trace there are no such fields.
        let plain = try #require(parseJSONLine(ModeLogFormatter(format: .json).format(
            ModeLogFormatter.Record(timestamp: stamp, level: .info, message: "m", label: "l"))))
        #expect(plain["trace_id"] == nil && plain["span_id"] == nil)
    }

    @Test func jsonWithoutServiceHasNulls() throws {
        let record = ModeLogFormatter.Record(timestamp: stamp, level: .debug, message: "m", label: "l")
        let object = try #require(parseJSONLine(ModeLogFormatter(format: .json).format(record)))
        #expect(object["service"] is NSNull)
        #expect(object["label"] is NSNull)
    }

    @Test func jsonEscapesControlCharactersQuotesAndInvalidUTF8() throws {
        let invalid = String(decoding: [0x66, 0xFF, 0xFE, 0x6F], as: UTF8.self)  // "f\u{FFFD}\u{FFFD}o"
        var message = "quote\" back\\slash new\nline tab\t nul\u{0} bell\u{7} del\u{7F} ls\u{2028} "
        message += invalid + " emoji 🎉 euro € ps\u{2029}"
        let record = ModeLogFormatter.Record(
            timestamp: stamp, level: .info, message: message, metadata: ["k\"ey\n": "v\u{1}"], label: "l")
        let line = ModeLogFormatter(format: .json).format(record)
        #expect(line.utf8.filter { $0 < 0x20 } == [0x0A])  // only the terminating newline
        #expect(line.contains("ls\\u2028 ") && line.contains("ps\\u2029") && line.contains("euro € "))
        #expect(line.contains("nul\\u0000 bell\\u0007 del\\u007f"))
        let object = try #require(parseJSONLine(line))
        #expect(object["message"] as? String == message)
        #expect((object["metadata"] as? [String: String]) == ["k\"ey\n": "v\u{1}"])
    }
}
