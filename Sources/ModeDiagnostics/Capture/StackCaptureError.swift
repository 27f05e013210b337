/// Why a stack capture of another thread failed.
///
/// ```swift
/// do { _ = try StackCapture.capture(threadID: 999_999) }
/// catch let error as StackCaptureError where error.code == .noSuchThread { print("gone") }
/// ```
public struct StackCaptureError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String { case notInstalled, noSuchThread, timedOut, busy, failed }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// ``StackCapture/install()`` has not run (or failed).
        public static let notInstalled = Code(.notInstalled)
        /// The thread id is not a thread of this process (or has exited).
        public static let noSuchThread = Code(.noSuchThread)
        /// The thread did not run the handler in time (it blocks SIGPROF, or is stopped).
        public static let timedOut = Code(.timedOut)
        /// An earlier, abandoned capture is still being written by its handler.
        public static let busy = Code(.busy)
        /// The signal could not be sent (permissions, seccomp).
        public static let failed = Code(.failed)

        public var description: String { wrapped.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    ///
    /// ```swift
    /// throw StackCaptureError(code: .timedOut, message: "thread 42 did not answer in 250 ms")
    /// ```
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "StackCaptureError(\(code)): \(message)" }
}
