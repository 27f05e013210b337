/// An error from `ModeLogging.bootstrap(...)`.
///
/// ```swift
/// do { _ = try ModeLogging.bootstrap(.init()) } catch let error as ModeLoggingError {
///     print(error.code)   // alreadyBootstrapped
/// }
/// ```
public struct ModeLoggingError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case alreadyBootstrapped
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// `LoggingSystem.bootstrap` may run once per process and already ran.
        public static let alreadyBootstrapped = Code(.alreadyBootstrapped)

        public var description: String {
            switch self.wrapped {
            case .alreadyBootstrapped: "alreadyBootstrapped"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A one-line explanation.
    public var message: String
    /// Where the error was raised.
    public var location: String

    /// Creates an error.
    ///
    /// ```swift
    /// let error = ModeLoggingError(code: .alreadyBootstrapped, message: "already bootstrapped")
    /// ```
    public init(code: Code, message: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = "\(fileID):\(line)"
    }

    public var description: String { self.message }
}
