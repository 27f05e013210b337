/// An error raised by the debug console or by one of its commands.
///
/// Command handlers throw it to answer with a clean one-line error; the console prints
/// `error: <message>` (or `{"error": "<message>"}` in JSON mode). Any other error thrown by a handler is
/// printed the same way with its `description`.
///
/// ```swift
/// ConsoleCommand(name: "cancel", summary: "Cancel a task", usage: "cancel <task-id>") { invocation in
///     guard let id = invocation.arguments.first else { throw ConsoleError.usage("cancel <task-id>") }
///     return ConsoleOutput(text: "cancelled \(id)")
/// }
/// ```
public struct ConsoleError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; a struct so that codes can be added without breaking users.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case usage, unknownCommand, notFound, commandFailed, bindFailed, invalidState
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The command was called with wrong arguments.
        public static var usage: Self { Self(.usage) }
        /// No command has that name or alias.
        public static var unknownCommand: Self { Self(.unknownCommand) }
        /// The command's target (a task, a service) does not exist.
        public static var notFound: Self { Self(.notFound) }
        /// The command ran and failed.
        public static var commandFailed: Self { Self(.commandFailed) }
        /// The console could not bind its listening socket.
        public static var bindFailed: Self { Self(.bindFailed) }
        /// The console was asked to do something its state does not allow (start twice, start after shutdown).
        public static var invalidState: Self { Self(.invalidState) }

        public var description: String {
            switch wrapped {
            case .usage: "usage"
            case .unknownCommand: "unknownCommand"
            case .notFound: "notFound"
            case .commandFailed: "commandFailed"
            case .bindFailed: "bindFailed"
            case .invalidState: "invalidState"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The text shown to the console user, without the `error: ` prefix.
    public var message: String

    /// Creates an error with a code and the message shown to the user.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// A usage error: the message reads `usage: <usage>`.
    public static func usage(_ usage: String) -> ConsoleError {
        ConsoleError(code: .usage, message: "usage: \(usage)")
    }

    /// A missing target, e.g. `no task with id 42`.
    public static func notFound(_ message: String) -> ConsoleError {
        ConsoleError(code: .notFound, message: message)
    }

    /// A failed command with a free-form message.
    public static func failed(_ message: String) -> ConsoleError {
        ConsoleError(code: .commandFailed, message: message)
    }

    public var description: String { message }
}
