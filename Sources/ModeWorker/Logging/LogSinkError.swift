/// An error opening or reopening a ``LogSink``'s file.
///
/// ```swift
/// do {
///     _ = try LogSink(path: "/nonexistent/dir/app.log")
/// } catch let error as LogSinkError where error.code == .openFailed {
///     print(error)   // "cannot open log file /nonexistent/dir/app.log: No such file or directory (errno 2)"
/// }
/// ```
public struct LogSinkError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case openFailed
            case reopenFailed
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The log file could not be opened or created.
        public static let openFailed = Code(.openFailed)
        /// ``LogSink/reopen()`` could not open the new file; the sink keeps writing to the old one.
        public static let reopenFailed = Code(.reopenFailed)

        public var description: String {
            switch self.wrapped {
            case .openFailed: "openFailed"
            case .reopenFailed: "reopenFailed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A one-line, human-readable explanation naming the path and the OS error.
    public var message: String
    /// The `errno` reported by the failing call.
    public var errno: Int32
    /// Where the error was raised.
    public var location: String

    /// Creates an error.
    ///
    /// ```swift
    /// let error = LogSinkError(code: .openFailed, message: "cannot open log file x", errno: 2)
    /// ```
    public init(code: Code, message: String, errno: Int32, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.errno = errno
        self.location = "\(fileID):\(line)"
    }

    public var description: String { self.message }
}
