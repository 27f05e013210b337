/// An error raised by the service lifecycle itself (not by user code).
///
/// ```swift
/// do { try await service.start() }
/// catch let error as ServiceError where error.code == .alreadyStarted { ... }
/// ```
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Wrapped: String, Sendable, Hashable {
            case alreadyStarted
            case startFailed
            case shutdownTimeout
            case dependencyCycle
            case notAttached
        }

        let wrapped: Wrapped
        /// `start()` was called on a service that has already started.
        public static let alreadyStarted = Code(wrapped: .alreadyStarted)
        /// A hook or a child failed while the service was starting; ``ServiceError/underlying`` has the cause.
        public static let startFailed = Code(wrapped: .startFailed)
        /// `waitForShutdown` is set and `setShutdown()` did not come within `shutdownTimeout`.
        public static let shutdownTimeout = Code(wrapped: .shutdownTimeout)
        /// Adding the dependency would make the service tree a cycle.
        public static let dependencyCycle = Code(wrapped: .dependencyCycle)
        /// The operation needs the service to be part of a tree.
        public static let notAttached = Code(wrapped: .notAttached)

        public var description: String { wrapped.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation naming the service.
    public var message: String
    /// The error that caused this one, if any (for example the error thrown by `onStart`).
    public var underlying: (any Error)?
    /// The path of the service the error is about (for ``Code/startFailed``: the service whose own hook
    /// failed, also when the error reaches its ancestors).
    public var servicePath: String?
    /// Where the failing call was made.
    public var fileID: String
    public var line: Int

    public init(
        code: Code, message: String, underlying: (any Error)? = nil, servicePath: String? = nil,
        fileID: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.servicePath = servicePath
        self.message = message
        self.underlying = underlying
        self.fileID = fileID
        self.line = line
    }

    public var description: String {
        var text = "ServiceError(\(code)): \(message)"
        if let underlying { text += " — caused by: \(String(reflecting: underlying))" }
        return text
    }
}
