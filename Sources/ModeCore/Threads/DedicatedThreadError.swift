/// An error from a ``DedicatedThreadExecutor``.
///
/// ```swift
/// do {
///     _ = try await executor.run { compute() }
/// } catch let error as DedicatedThreadError where error.code == .shutDown {
///     print(error.message)   // executor "mode-svc-db" is shut down
/// }
/// ```
public struct DedicatedThreadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong (an extensible set of values).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable { case shutDown, threadCreationFailed }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Work was submitted after ``DedicatedThreadExecutor/shutdown()`` began.
        public static let shutDown = Self(.shutDown)
        /// `pthread_create` failed.
        public static let threadCreationFailed = Self(.threadCreationFailed)

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
