import Foundation

/// A human-readable duration in mode's format: the largest unit (day, hour, minute, second) of which there is
/// at least one, with two decimals, pluralized by the whole part.
///
/// ```swift
/// humanizeSeconds(7_200)                       // "2.00 hours"
/// humanizeSeconds(1)                           // "1.00 second"
/// humanizeSeconds(90_061)                      // "1.04 day"
/// humanizeSeconds(0.5)                         // "now"
/// humanizeSeconds(0.5, microseconds: true)     // "0.50 seconds"
/// humanizeSeconds(4, prefix: "in ")            // "in 4.00 seconds"
/// ```
///
/// - Parameters:
///   - seconds: the duration; values under one second (and negative ones) give `now` unless `microseconds`.
///   - prefix: text put before the result (not before `now`).
///   - suffix: text put after the result (not after `now`).
///   - separator: text between the prefix and the number.
///   - now: the text for durations under one second.
///   - microseconds: show sub-second durations as `0.xx seconds` instead of `now`.
public func humanizeSeconds(
    _ seconds: Double, prefix: String = "", suffix: String = "", separator: String = "",
    now: String = "now", microseconds: Bool = false
) -> String {
    let units: [(name: String, size: Double)] = [("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)]
    // mode rounds to two decimals first, so 59.999 is "1.00 minute".
    let rounded = Double(String(format: "%.2f", seconds)) ?? seconds
    for unit in units where rounded >= unit.size {
        let value = rounded / unit.size
        let name = Int(value) == 1 ? unit.name : unit.name + "s"
        return "\(prefix)\(separator)\(String(format: "%.2f", value)) \(name)\(suffix)"
    }
    if microseconds && rounded > 0 {
        return "\(prefix)\(separator)\(String(format: "%.2f", rounded)) seconds\(suffix)"
    }
    return now
}

/// A human-readable duration of `duration` (see ``humanizeSeconds(_:prefix:suffix:separator:now:microseconds:)``).
///
/// ```swift
/// humanizeSeconds(.seconds(120))   // "2.00 minutes"
/// ```
public func humanizeSeconds(_ duration: Duration, microseconds: Bool = false) -> String {
    humanizeSeconds(DurationMath.seconds(duration), microseconds: microseconds)
}

/// mode's `humanize_seconds_ago`: `"3.33 seconds ago"`, or `"just now"` under a second.
///
/// ```swift
/// humanizeSecondsAgo(3.333)   // "3.33 seconds ago"
/// humanizeSecondsAgo(0.2)     // "just now"
/// ```
public func humanizeSecondsAgo(_ seconds: Double, microseconds: Bool = false) -> String {
    humanizeSeconds(seconds, suffix: " ago", now: "just now", microseconds: microseconds)
}
