import CModeSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes a crash report to the log when the process dies of SIGSEGV, SIGBUS, SIGILL (every Swift trap on
/// x86_64), SIGTRAP, SIGFPE, SIGABRT or SIGQUIT, then makes it die of the same signal, whether a fault raised
/// it or `kill` sent it.
///
/// Order of events in the handler (installed on top of the Swift runtime's backtracer):
/// 1. the log gate closes (``isCrashInProgress``), in-flight log writes get up to 100 ms to finish;
/// 2. the async-signal-safe `core` record (signal, fault address, thread, task label, Swift fatal error
///    message, module+offset frames) is written with ONE `write(2)` per output fd;
/// 3. the best-effort `symbolicated` record (names, file:line, your sections) is built on the `mode-crash`
///    helper thread, bounded by ``Configuration/bestEffortTimeout`` (a crash inside `malloc` cannot hang);
/// 4. the previous handler runs (the runtime's backtrace still appears on stderr), then the default action:
///    the process exits by the original signal (shell status 128 + N: 131 / 132 / 133 / 134 / 135 / 136 / 139).
///
/// A watchdog timer armed when the handler starts raises the signal again with its default action after
/// ``Configuration/bestEffortTimeout`` + ``Configuration/chainTimeout`` + 100 ms, so the process dies by the
/// signal within that bound (13.1 s with the defaults) even when a chained handler hangs or returns.
///
/// ```swift
/// var configuration = CrashReporter.Configuration()
/// configuration.logFilePath = "/var/log/app.log"
/// configuration.sections = { _ in [DiagnosticSection(title: "service tree", lines: tree())] }
/// try CrashReporter.install(configuration)
/// ```
public enum CrashReporter {
    /// Output format of both records.
    public struct Format: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(name: String) { self.name = name }
        /// Delimited text blocks (`=== swift-mode crash report begin ===`).
        public static let text = Format(name: "text")
        /// One JSON object per line (``CrashReportRecord``), for `--log-format json`.
        public static let json = Format(name: "json")
        public var description: String { name }
    }

    /// Reporter settings.
    public struct Configuration: Sendable {
        /// Fds the report is written to, in order. Default: `[2]` (stderr).
        public var outputFileDescriptors: [Int32] = [STDERR_FILENO]
        /// A log file opened at install with `O_WRONLY|O_APPEND|O_CREAT` and written before the fds above.
        /// Default: `nil`.
        public var logFilePath: String? = nil
        /// Text or JSON. Default: ``Format/text``.
        public var format: Format = .text
        /// Produce the symbolicated record (default `true`).
        public var symbolicate: Bool = true
        /// Bound of the best-effort part. Default: 3 s.
        public var bestEffortTimeout: Duration = .seconds(3)
        /// Bound of the previous handler (the Swift runtime's backtrace on stderr). The process dies by the
        /// signal at most ``bestEffortTimeout`` + `chainTimeout` + 100 ms after the crash. Default: 10 s.
        public var chainTimeout: Duration = .seconds(10)
        /// Give every thread existing at install an alternate signal stack (default `true`), so that a stack
        /// overflow on a pool thread is reported too.
        public var armExistingThreads: Bool = true
        /// Extra sections for the symbolicated record (runs on the helper thread of a crashing process: keep it
        /// short and lock-light). Default: `nil`.
        public var sections: (@Sendable (CrashReport) -> [DiagnosticSection])? = nil

        /// The defaults.
        ///
        /// ```swift
        /// var configuration = CrashReporter.Configuration(); configuration.format = .json
        /// ```
        public init() {}
    }

    private struct Installed: Sendable {
        var configuration: Configuration
        var fds: [Int32]
    }

    private static let installed = Mutex<Installed?>(nil)

    /// Installs (or reconfigures) the crash handlers. Call it after the Swift runtime started (any time in
    /// `main`), and again after reopening the log file.
    ///
    /// ```swift
    /// try CrashReporter.install(.init())
    /// ```
    /// - Throws: ``StackCaptureError`` when the log file cannot be opened or a handler cannot be installed.
    public static func install(_ configuration: Configuration = Configuration()) throws {
        try StackCapture.install()
        var fds: [Int32] = []
        if let path = configuration.logFilePath {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw StackCaptureError(code: .failed, message: "cannot open \(path): errno \(errno)")
            }
            fds.append(fd)
        }
        fds.append(contentsOf: configuration.outputFileDescriptors)
        let previous = installed.withLock { state -> Installed? in
            let previous = state
            state = Installed(configuration: configuration, fds: fds)
            return previous
        }
        let callback: c_mode_crash_callback = { info in
            if let info { CrashReporter.writeBestEffort(info) }
        }
        let result = fds.withUnsafeBufferPointer { buffer in
            c_mode_crash_install(
                buffer.baseAddress, Int32(buffer.count),
                configuration.format == .json ? Int32(C_MODE_CRASH_FORMAT_JSON) : Int32(C_MODE_CRASH_FORMAT_TEXT),
                callback, nanoseconds(configuration.bestEffortTimeout), nanoseconds(configuration.chainTimeout))
        }
        guard result == 0 else {
            throw StackCaptureError(code: .failed, message: "cannot install crash handlers: errno \(result)")
        }
        // Close the log file fd of an earlier configuration only once the handler writes to the new one.
        if let previous, previous.configuration.logFilePath != nil, let old = previous.fds.first, !fds.contains(old) {
            close(old)
        }
        Symbolicator.shared.refreshImages()
        if configuration.armExistingThreads { AlternateSignalStack.installForAllThreads() }
    }

    /// Whether ``install(_:)`` succeeded.
    ///
    /// ```swift
    /// assert(CrashReporter.isInstalled)
    /// ```
    public static var isInstalled: Bool { c_mode_crash_installed() != 0 }

    /// Whether a crash report is being written. A log handler that shares the report's fd checks this (or
    /// uses ``withLogGate(_:)``) so its records do not land inside the report.
    ///
    /// ```swift
    /// guard !CrashReporter.isCrashInProgress else { return }
    /// ```
    public static var isCrashInProgress: Bool { c_mode_crash_in_progress() != 0 }

    /// Runs `write` unless a crash report is being written; returns whether it ran. Log handlers wrap their
    /// single `write(2)` in it.
    ///
    /// ```swift
    /// _ = CrashReporter.withLogGate { _ = line.withCString { write(fd, $0, strlen($0)) } }
    /// ```
    @discardableResult
    public static func withLogGate(_ write: () -> Void) -> Bool {
        guard c_mode_log_gate_enter() != 0 else { return false }
        defer { c_mode_log_gate_exit() }
        write()
        return true
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    static var current: (configuration: Configuration, fds: [Int32])? {
        installed.withLock { state in state.map { ($0.configuration, $0.fds) } }
    }
}
