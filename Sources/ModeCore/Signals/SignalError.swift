/// An error raised by a signal itself (receiver errors propagate unchanged).
///
/// ```swift
/// let signal = Signal<Worker, Int>(name: "progress")
/// do { try await signal.send(1) } catch let error as SignalError { print(error.message) }
/// // Signal progress has no default sender: use send(_:from:) or withDefaultSender(_:)
/// ```
public struct SignalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong (an extensible set of values).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable { case missingSender }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// `send(_:)` was called on a signal without a default sender (mode raises `TypeError`).
        public static let missingSender = Self(.missingSender)

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

    /// `send(_:)` on the signal `name`, which has no default sender.
    static func missingSender(signal name: String) -> SignalError {
        SignalError(.missingSender, "Signal \(name) has no default sender: use send(_:from:) or withDefaultSender(_:)")
    }

    public var description: String { message }
}
