import UnixSignals

/// The Worker's signal escalation policy as a pure state machine: events in, actions out.
///
/// | State | Event | Action |
/// |---|---|---|
/// | running | SIGINT / SIGTERM | ``Action/beginGracefulStop(_:)`` → stopping |
/// | stopping | SIGINT / SIGTERM | ``Action/forceExit(code:signal:)`` with 128 + signal number → exited |
/// | any | SIGHUP | ``Action/reopenLogs`` |
/// | any | SIGUSR1 | ``Action/dumpThreads`` |
/// | stopping | stop finished | ``Action/ignore`` → stopped (later SIGINT/SIGTERM: ignore) |
///
/// The Worker executes the actions: for `beginGracefulStop` it logs `Signal received: SIGTERM` and, for
/// SIGINT, prints mode's `-INT- -INT- -INT- -INT- -INT- -INT-` banner to stderr unless `--quiet`, then stops
/// the service tree; for `forceExit` it logs that the stop was abandoned and calls `_exit(code)`. Unlike
/// mode, where further Ctrl-C presses only reprint the banner, a second signal always ends the process.
///
/// ```swift
/// var policy = ShutdownSignalPolicy()
/// policy.signalReceived(.sigterm)   // .beginGracefulStop(.sigterm)
/// policy.signalReceived(.sigint)    // .forceExit(code: 130, signal: .sigint)
/// ```
public struct ShutdownSignalPolicy: Sendable, Hashable {
    /// What the Worker must do.
    public enum Action: Sendable, Hashable {
        /// Log the signal and start a graceful stop of the tree.
        case beginGracefulStop(UnixSignal)
        /// Abandon the graceful stop and exit now with `code` (128 + the signal number).
        case forceExit(code: Int32, signal: UnixSignal)
        /// Reopen the log file (SIGHUP).
        case reopenLogs
        /// Write a thread dump to the log (SIGUSR1).
        case dumpThreads
        /// Nothing to do.
        case ignore
    }

    /// Where the Worker is in its shutdown.
    public enum State: Sendable, Hashable {
        /// No stop requested yet.
        case running
        /// A graceful stop is under way, started by this signal (or by the program, with `nil`).
        case stopping(UnixSignal?)
        /// The graceful stop finished.
        case stopped
        /// A forced exit was ordered.
        case exiting
    }

    /// The current state.
    public private(set) var state: State = .running

    /// Creates a policy in the ``State/running`` state.
    ///
    /// ```swift
    /// var policy = ShutdownSignalPolicy()
    /// ```
    public init() {}

    /// Feeds a received signal and returns what to do.
    ///
    /// ```swift
    /// switch policy.signalReceived(signal) {
    /// case .beginGracefulStop(let signal): logger.info("Signal received: \(signal.name)")
    /// default: break
    /// }
    /// ```
    public mutating func signalReceived(_ signal: UnixSignal) -> Action {
        switch signal {
        case .sighup:
            return .reopenLogs
        case .sigusr1:
            return .dumpThreads
        case .sigint, .sigterm:
            switch self.state {
            case .running:
                self.state = .stopping(signal)
                return .beginGracefulStop(signal)
            case .stopping:
                self.state = .exiting
                return .forceExit(code: 128 + signal.rawValue, signal: signal)
            case .stopped, .exiting:
                return .ignore
            }
        default:
            return .ignore
        }
    }

    /// Records that a stop began for another reason (a crash, the program calling `stop()`), so that a
    /// following SIGINT/SIGTERM forces exit instead of starting a second stop.
    ///
    /// ```swift
    /// policy.stopRequested()
    /// ```
    public mutating func stopRequested() {
        if case .running = self.state {
            self.state = .stopping(nil)
        }
    }

    /// Records that the graceful stop finished; later SIGINT/SIGTERM are ignored.
    ///
    /// ```swift
    /// policy.stopFinished()   // .ignore
    /// ```
    @discardableResult
    public mutating func stopFinished() -> Action {
        if case .exiting = self.state { return .ignore }
        self.state = .stopped
        return .ignore
    }

    /// mode's SIGINT banner, printed to stderr (unless quiet) when a graceful stop begins on SIGINT.
    public static let interruptBanner = "-INT- -INT- -INT- -INT- -INT- -INT-"
}
