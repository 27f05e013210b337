#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Unix signal the Worker handles.
///
/// ```swift
/// let signal = ProcessSignal.sigterm
/// print(signal.name, signal.rawValue)   // SIGTERM 15
/// ```
public struct ProcessSignal: Sendable, Hashable, CustomStringConvertible {
    private enum Wrapped: Sendable, Hashable {
        case sigint
        case sigterm
        case sighup
        case sigusr1
        case sigusr2
        case sigquit
    }

    private let wrapped: Wrapped

    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// Interrupt (Ctrl-C): graceful stop, a second one forces exit.
    public static let sigint = ProcessSignal(.sigint)
    /// Terminate: graceful stop, a second one forces exit.
    public static let sigterm = ProcessSignal(.sigterm)
    /// Hang-up: reopen the log file (logrotate).
    public static let sighup = ProcessSignal(.sighup)
    /// User 1: thread dump (reserved for the thread-dump helper, which may install its own handler).
    public static let sigusr1 = ProcessSignal(.sigusr1)
    /// User 2: not used by the Worker; available to applications.
    public static let sigusr2 = ProcessSignal(.sigusr2)
    /// Quit: not handled by default (keeps its core-dumping default action).
    public static let sigquit = ProcessSignal(.sigquit)

    /// The signal number on this platform.
    ///
    /// ```swift
    /// kill(getpid(), ProcessSignal.sighup.rawValue)
    /// ```
    public var rawValue: Int32 {
        switch self.wrapped {
        case .sigint: SIGINT
        case .sigterm: SIGTERM
        case .sighup: SIGHUP
        case .sigusr1: SIGUSR1
        case .sigusr2: SIGUSR2
        case .sigquit: SIGQUIT
        }
    }

    /// The conventional name, e.g. `"SIGTERM"`.
    ///
    /// ```swift
    /// logger.info("Signal received: \(signal.name)")
    /// ```
    public var name: String {
        switch self.wrapped {
        case .sigint: "SIGINT"
        case .sigterm: "SIGTERM"
        case .sighup: "SIGHUP"
        case .sigusr1: "SIGUSR1"
        case .sigusr2: "SIGUSR2"
        case .sigquit: "SIGQUIT"
        }
    }

    /// The signal with this number, if it is one of the signals above.
    ///
    /// ```swift
    /// ProcessSignal(rawValue: SIGTERM) == .sigterm   // true
    /// ```
    public init?(rawValue: Int32) {
        guard let match = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = match
    }

    /// Every signal this type can name.
    public static let all: [ProcessSignal] = [.sigint, .sigterm, .sighup, .sigusr1, .sigusr2, .sigquit]

    /// The exit status a shell reports for a process killed by this signal: 128 + the signal number
    /// (130 for SIGINT, 143 for SIGTERM).
    ///
    /// ```swift
    /// exit(ProcessSignal.sigint.conventionalExitStatus)   // 130
    /// ```
    public var conventionalExitStatus: Int32 { 128 + self.rawValue }

    public var description: String { self.name }
}
