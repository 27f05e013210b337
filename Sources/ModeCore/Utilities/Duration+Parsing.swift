import Foundation

extension Duration {
    /// Parses a duration such as `"1.5"` (seconds), `"250ms"`, `"10s"`, `"5m"`, `"2h"` or `"1d"`.
    ///
    /// ```swift
    /// let timeout = try Duration(parsing: "5m")     // .seconds(300)
    /// let poll = try Duration(parsing: "1.5")       // .milliseconds(1500)
    /// ```
    ///
    /// - Throws: ``ValueParseError`` for an empty, negative or non-numeric value or an unknown unit.
    public init(parsing text: String) throws(ValueParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw ValueParseError(.empty, kind: "duration", input: text, reason: "expected a number such as \"10s\"")
        }
        let unitStart = trimmed.firstIndex { $0.isLetter } ?? trimmed.endIndex
        let numberText = trimmed[..<unitStart].trimmingCharacters(in: .whitespaces)
        let unit = trimmed[unitStart...].lowercased()
        guard let value = Double(numberText), value.isFinite else {
            throw ValueParseError(
                .invalidNumber, kind: "duration", input: text, reason: "\"\(numberText)\" is not a number")
        }
        guard value >= 0 else {
            throw ValueParseError(.negative, kind: "duration", input: text, reason: "a duration cannot be negative")
        }
        let units: [String: Double] = ["": 1, "ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3_600, "d": 86_400]
        guard let size = units[unit] else {
            throw ValueParseError(
                .unknownUnit, kind: "duration", input: text,
                reason: "unknown unit \"\(unit)\" (expected ms, s, m, h or d)")
        }
        self = DurationMath.duration(seconds: value * size)
    }
}
