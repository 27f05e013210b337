/// An error from a rate limiter.
///
/// ```swift
/// do {
///     try await bucket.acquire(100)
/// } catch let error as RateLimitError where error.code == .exceedsCapacity {
///     print(error.message)
/// }
/// ```
public struct RateLimitError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong (an extensible set of values).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable { case exceedsCapacity }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// More tokens were requested than the bucket's capacity, so waiting could never succeed.
        public static let exceedsCapacity = Self(.exceedsCapacity)

        public var description: String { "\(wrapped)" }
    }

    /// What went wrong.
    public let code: Code
    /// A human-readable explanation.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
