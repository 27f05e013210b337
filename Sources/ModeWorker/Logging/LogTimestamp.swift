#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant broken down in local time, with millisecond precision, as log lines print it.
///
/// Made without Foundation (`clock_gettime` + `localtime_r`), so formatting is cheap and thread-safe:
///
/// ```swift
/// let now = LogTimestamp.now()
/// print(now.textFormat)       // 2018-03-27 15:47:12,159   (mode's text format)
/// print(now.iso8601)          // 2018-03-27T15:47:12.159+02:00   (JSON lines)
/// ```
public struct LogTimestamp: Sendable, Hashable {
    /// The year, e.g. 2018.
    public var year: Int
    /// The month, 1...12.
    public var month: Int
    /// The day of the month, 1...31.
    public var day: Int
    /// The hour, 0...23.
    public var hour: Int
    /// The minute, 0...59.
    public var minute: Int
    /// The second, 0...60 (60 for a leap second).
    public var second: Int
    /// The millisecond, 0...999.
    public var millisecond: Int
    /// The local time zone's offset from UTC at this instant, in seconds (east positive).
    public var utcOffsetSeconds: Int

    /// Creates a timestamp from its fields (tests; already-broken-down times).
    ///
    /// ```swift
    /// let t = LogTimestamp(year: 2018, month: 3, day: 27, hour: 15, minute: 47, second: 12,
    ///                      millisecond: 159, utcOffsetSeconds: 7200)
    /// ```
    public init(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int,
        utcOffsetSeconds: Int
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.millisecond = millisecond
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// Breaks down a POSIX time (seconds and nanoseconds since the epoch) in the process's local time zone.
    ///
    /// ```swift
    /// let epoch = LogTimestamp(secondsSinceEpoch: 0, nanoseconds: 0)
    /// ```
    public init(secondsSinceEpoch: Int, nanoseconds: Int) {
        var seconds = time_t(secondsSinceEpoch)
        var parts = tm()
        _ = localtime_r(&seconds, &parts)
        self.init(
            year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
            hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec),
            millisecond: nanoseconds / 1_000_000, utcOffsetSeconds: Int(parts.tm_gmtoff)
        )
    }

    /// The current wall-clock time in local time.
    ///
    /// ```swift
    /// let stamp = LogTimestamp.now()
    /// ```
    public static func now() -> LogTimestamp {
        var spec = timespec()
        _ = clock_gettime(CLOCK_REALTIME, &spec)
        return LogTimestamp(secondsSinceEpoch: Int(spec.tv_sec), nanoseconds: Int(spec.tv_nsec))
    }

    /// mode's (Python `logging`'s) `asctime`: `2018-03-27 15:47:12,159` — a comma before the milliseconds.
    ///
    /// ```swift
    /// stamp.textFormat   // "2018-03-27 15:47:12,159"
    /// ```
    public var textFormat: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)),"
            + pad(millisecond, 3)
    }

    /// ISO 8601 with milliseconds and the numeric UTC offset: `2018-03-27T15:47:12.159+02:00`.
    ///
    /// ```swift
    /// stamp.iso8601   // "2018-03-27T15:47:12.159+02:00"
    /// ```
    public var iso8601: String {
        let sign = utcOffsetSeconds < 0 ? "-" : "+"
        let offset = abs(utcOffsetSeconds)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):"
            + "\(pad(second, 2)).\(pad(millisecond, 3))\(sign)\(pad(offset / 3600, 2)):\(pad(offset % 3600 / 60, 2))"
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
