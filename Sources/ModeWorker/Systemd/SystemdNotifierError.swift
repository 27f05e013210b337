/// An error sending a notification to systemd.
///
/// ```swift
/// do { try notifier.ready() } catch let error as SystemdNotifierError {
///     logger.warning("systemd notification failed: \(error)")
/// }
/// ```
public struct SystemdNotifierError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case invalidSocketAddress
            case sendFailed
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// `NOTIFY_SOCKET` is not an absolute path or `@abstract` name, or is too long for `sockaddr_un`.
        public static let invalidSocketAddress = Code(.invalidSocketAddress)
        /// Creating the socket or sending the datagram failed.
        public static let sendFailed = Code(.sendFailed)

        public var description: String {
            switch self.wrapped {
            case .invalidSocketAddress: "invalidSocketAddress"
            case .sendFailed: "sendFailed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A one-line explanation.
    public var message: String
    /// The `errno` of the failing call (0 if none).
    public var errno: Int32

    /// Creates an error.
    ///
    /// ```swift
    /// let error = SystemdNotifierError(code: .sendFailed, message: "sendto failed", errno: 111)
    /// ```
    public init(code: Code, message: String, errno: Int32 = 0) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String { self.message }
}
