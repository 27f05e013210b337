/// The error thrown when a cron expression cannot be parsed.
///
/// The message names the expression and, when one field is at fault, the field and its text:
///
/// ```swift
/// do {
///     _ = try CronExpression("61 * * * *")
/// } catch {
///     print(error.message)
///     // invalid cron expression "61 * * * *": minute field "61" is out of range 0-59
///     assert(error.code == .outOfRange)
/// }
/// ```
public struct CronExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem the parser found (an extensible set of values).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case wrongFieldCount, outOfRange, invalidValue, invalidStep, invalidRange, unknownMacro
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The expression does not have exactly five whitespace-separated fields.
        public static let wrongFieldCount = Self(.wrongFieldCount)
        /// A number is outside the field's range (for example minute `61`).
        public static let outOfRange = Self(.outOfRange)
        /// A value is neither a number nor a known name (for example `foo` or an empty list item).
        public static let invalidValue = Self(.invalidValue)
        /// A step (`/n`) is missing, not a number, or zero.
        public static let invalidStep = Self(.invalidStep)
        /// A range's start is greater than its end (for example `5-1`).
        public static let invalidRange = Self(.invalidRange)
        /// An `@` macro other than `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
        public static let unknownMacro = Self(.unknownMacro)

        public var description: String { "\(wrapped)" }
    }

    /// The kind of problem.
    public let code: Code
    /// The whole expression as given.
    public let expression: String
    /// The field at fault (`"minute"`, `"hour"`, `"day-of-month"`, `"month"`, `"day-of-week"`), if any.
    public let field: String?
    /// A human-readable explanation, for example
    /// `invalid cron expression "61 * * * *": minute field "61" is out of range 0-59`.
    public let message: String

    init(_ code: Code, expression: String, field: String? = nil, reason: String) {
        self.code = code
        self.expression = expression
        self.field = field
        self.message = "invalid cron expression \"\(expression)\": \(reason)"
    }

    public var description: String { message }
}
