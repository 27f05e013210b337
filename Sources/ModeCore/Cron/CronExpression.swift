import Foundation

/// A standard five-field cron expression: `minute hour day-of-month month day-of-week`.
///
/// Supported syntax, per field: `*`, numbers, ranges `1-5`, lists `1,3,5`, steps `*/15`, `10-50/10` and `5/15`
/// (from 5 to the end of the range), month names `jan`...`dec`, weekday names `sun`...`sat` (case-insensitive;
/// both `0` and `7` are Sunday), and the macros `@yearly`/`@annually`, `@monthly`, `@weekly`,
/// `@daily`/`@midnight` and `@hourly`.
///
/// When both day-of-month and day-of-week are restricted (neither starts with `*`), a day matches if
/// **either** matches — the Vixie cron rule, so `0 0 1,15 * mon` runs on the 1st, the 15th and every Monday.
/// A field that starts with `*` (including `*/2`) counts as unrestricted, again as in Vixie cron and cronie.
///
/// ```swift
/// let everyQuarterHour = try CronExpression("*/15 9-17 * * mon-fri")
/// let newYork = TimeZone(identifier: "America/New_York")!
/// let next = everyQuarterHour.nextFireDate(after: .now, in: newYork)
/// ```
///
/// Parse errors are ``CronExpressionError`` values whose message names the bad field:
/// `invalid cron expression "61 * * * *": minute field "61" is out of range 0-59`.
public struct CronExpression: Hashable, Sendable, CustomStringConvertible {
    let minute: CronField
    let hour: CronField
    let dayOfMonth: CronField
    let month: CronField
    let dayOfWeek: CronField

    /// The expression as written (macros are kept, for example `@daily`).
    public let source: String

    /// Parses a cron expression.
    ///
    /// ```swift
    /// let nightly = try CronExpression("@daily")          // same as "0 0 * * *"
    /// let weekdays = try CronExpression("30 7 * * 1-5")
    /// ```
    ///
    /// - Throws: ``CronExpressionError`` naming the first bad field.
    public init(_ string: String) throws(CronExpressionError) {
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        var text = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.macros[trimmed.lowercased()] else {
                throw CronExpressionError(
                    .unknownMacro, expression: string,
                    reason: "unknown macro \"\(trimmed)\" (expected one of @yearly, @annually, @monthly, "
                        + "@weekly, @daily, @midnight, @hourly)")
            }
            text = expanded
        }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronExpressionError(
                .wrongFieldCount, expression: string,
                reason: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        minute = try CronField.parse(fields[0], kind: .minute, expression: string)
        hour = try CronField.parse(fields[1], kind: .hour, expression: string)
        dayOfMonth = try CronField.parse(fields[2], kind: .dayOfMonth, expression: string)
        month = try CronField.parse(fields[3], kind: .month, expression: string)
        dayOfWeek = try CronField.parse(fields[4], kind: .dayOfWeek, expression: string)
        source = string
    }

    public var description: String { source }

    /// Whether the expression fires at a particular wall-clock time rather than on a wildcard.
    ///
    /// Vixie cron applies its daylight-saving rules only to such jobs: neither the minute nor the hour field
    /// starts with `*` (so `@hourly`, `*/5 * * * *` and `0 * * * *` are wildcard jobs).
    public var isFixedTime: Bool { minute.isRestricted && hour.isRestricted }

    /// Whether a calendar day matches, applying the Vixie OR rule when both day fields are restricted.
    func matchesDay(dayOfMonth day: Int, weekday: Int) -> Bool {
        if dayOfMonth.isRestricted && dayOfWeek.isRestricted {
            return dayOfMonth.contains(day) || dayOfWeek.contains(weekday)
        }
        return dayOfMonth.contains(day) && dayOfWeek.contains(weekday)
    }

    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
}
