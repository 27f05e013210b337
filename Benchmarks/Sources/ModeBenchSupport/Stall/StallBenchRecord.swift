import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One JSON log line of the Worker (`--log-format json`), as the stall benchmark reads it.
///
/// ```swift
/// if let record = StallBenchRecord(line), record.message.hasPrefix("Blocking detected") { … }
/// ```
struct StallBenchRecord {
    var message: String
    var metadata: [String: String]
    /// The record's own timestamp, milliseconds since the epoch (the log writes milliseconds).
    var epochMilliseconds: Double?
    /// When the parent read the line, CLOCK_MONOTONIC ns.
    var arrivalNanoseconds: UInt64

    init?(_ line: BenchChildProcess.Line) {
        guard line.stream == 2, line.text.hasPrefix("{"),
              let object = (try? JSONSerialization.jsonObject(with: Data(line.text.utf8))) as? [String: Any],
              let message = object["message"] as? String else { return nil }
        self.message = message
        var metadata: [String: String] = [:]
        for (key, value) in object["metadata"] as? [String: Any] ?? [:] { metadata[key] = "\(value)" }
        // The JSON format lifts `mode.service` out of the metadata into "service".
        if let service = object["service"] as? String { metadata["mode.service"] = service }
        self.metadata = metadata
        epochMilliseconds = (object["time"] as? String).flatMap(Self.epochMilliseconds(iso8601:))
        arrivalNanoseconds = line.arrivalNanoseconds
    }

    var isStallReport: Bool { message.hasPrefix("Blocking detected") }
    var isStallEnd: Bool { message.hasPrefix("Blocking ended") }
    var reportID: String? { metadata["mode.stall.report_id"] }

    /// `2026-12-06T23:28:59.123+01:00` → milliseconds since the epoch.
    static func epochMilliseconds(iso8601 text: String) -> Double? {
        let scalars = Array(text.utf8)
        guard scalars.count >= 29 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? { Int(String(decoding: scalars[from..<(from + count)], as: UTF8.self)) }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              let minute = number(14, 2), let second = number(17, 2), let millisecond = number(20, 3),
              let offsetHours = number(24, 2), let offsetMinutes = number(27, 2) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let sign = scalars[23] == UInt8(ascii: "-") ? -1 : 1
        let utc = Int(timegm(&parts)) - sign * (offsetHours * 3600 + offsetMinutes * 60)
        return Double(utc) * 1000 + Double(millisecond)
    }
}
