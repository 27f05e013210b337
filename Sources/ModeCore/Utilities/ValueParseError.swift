/// The error thrown when a rate (`"10/m"`) or a duration (`"5m"`) cannot be parsed.
///
/// ```swift
/// do {
///     _ = try Rate("ten/m")
/// } catch {
///     print(error.message)   // invalid rate "ten/m": "ten" is not a number
///     assert(error.code == .invalidNumber)
/// }
/// ```
public struct ValueParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong (an extensible set of values).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable { case empty, invalidNumber, unknownUnit, negative }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The text is empty or only whitespace.
        public static let empty = Self(.empty)
        /// The numeric part is not a finite number.
        public static let invalidNumber = Self(.invalidNumber)
        /// The unit is not one of the accepted ones.
        public static let unknownUnit = Self(.unknownUnit)
        /// The value is negative.
        public static let negative = Self(.negative)

        public var description: String { "\(wrapped)" }
    }

    /// What was wrong.
    public let code: Code
    /// The text that failed to parse.
    public let input: String
    /// A human-readable explanation, for example `invalid duration "5x": unknown unit "x" (expected ms, s, m, h or d)`.
    public let message: String

    init(_ code: Code, kind: String, input: String, reason: String) {
        self.code = code
        self.input = input
        self.message = "invalid \(kind) \"\(input)\": \(reason)"
    }

    public var description: String { message }
}
