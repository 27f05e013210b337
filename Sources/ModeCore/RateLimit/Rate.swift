import Foundation

/// A rate in events per second, parsed from mode's notation: `"10/m"`, `"100/h"`, `"5/s"`, `"2/d"`, `"1.5"`.
///
/// ```swift
/// let rate = try Rate("10/m")
/// rate.perSecond          // 0.1666...
/// try Rate("1.5").perSecond   // 1.5 (a bare number is per second)
/// let bucket = TokenBucket(rate: try Rate("100/h"), capacity: 10, clock: ContinuousClock())
/// ```
public struct Rate: Hashable, Sendable, CustomStringConvertible {
    /// Events per second.
    public var perSecond: Double

    /// A rate of `perSecond` events per second.
    public init(perSecond: Double) {
        self.perSecond = perSecond
    }

    /// `count` events per `period`.
    ///
    /// ```swift
    /// let rate = Rate(count: 10, per: .seconds(60))   // 10 per minute
    /// ```
    public init(count: Double, per period: Duration) {
        self.perSecond = count / DurationMath.seconds(period)
    }

    /// Parses `N`, `N/s`, `N/m`, `N/h` or `N/d` (N a non-negative decimal number; also the words `sec`,
    /// `second`, `min`, `minute`, `hour`, `day`).
    ///
    /// - Throws: ``ValueParseError`` explaining what is wrong.
    public init(_ text: String) throws(ValueParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw ValueParseError(.empty, kind: "rate", input: text, reason: "expected a number such as \"10/m\"")
        }
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let numberText = parts[0].trimmingCharacters(in: .whitespaces)
        guard let count = Double(numberText), count.isFinite, !numberText.isEmpty else {
            throw ValueParseError(.invalidNumber, kind: "rate", input: text, reason: "\"\(numberText)\" is not a number")
        }
        guard count >= 0 else {
            throw ValueParseError(.negative, kind: "rate", input: text, reason: "a rate cannot be negative")
        }
        var seconds = 1.0
        if parts.count == 2 {
            let unit = parts[1].trimmingCharacters(in: .whitespaces).lowercased()
            guard let size = Self.units[unit] else {
                throw ValueParseError(
                    .unknownUnit, kind: "rate", input: text,
                    reason: "unknown unit \"\(unit)\" (expected s, m, h or d, as in \"10/m\")")
            }
            seconds = size
        }
        self.perSecond = count / seconds
    }

    /// The time between two events at this rate (infinite rates give zero).
    public var interval: Duration {
        perSecond > 0 ? DurationMath.duration(seconds: 1 / perSecond) : .zero
    }

    public var description: String { "\(perSecond)/s" }

    private static let units: [String: Double] = [
        "s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
        "h": 3_600, "hour": 3_600, "d": 86_400, "day": 86_400,
    ]
}
