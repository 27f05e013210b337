import CModeSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Dumps every thread when the process receives a signal (SIGUSR1 by default), without stopping it.
///
/// The signal handler only writes one byte to a pipe. A dedicated thread named `mode-dumper` wakes up, builds
/// the ``ThreadDump`` (appending the sections your `sections` closure returns, and the tasks with their async
/// stacks your `tasks` closure returns) and hands it to `handler`.
///
/// ```swift
/// try ThreadDumpTrigger.install { dump in logger.notice("\(dump.render())") }
/// // kill -USR1 <pid>
/// ```
public enum ThreadDumpTrigger {
    /// Trigger settings.
    public struct Configuration: Sendable {
        /// The signal that triggers a dump. Default: SIGUSR1 (as Python mode).
        public var signal: Int32 = SIGUSR1
        /// Symbolicate the frames (default `true`); `false` keeps module+offset only.
        public var symbolicate: Bool = true
        /// Per-thread capture deadline. Default: 250 ms.
        public var captureTimeout: Duration = .milliseconds(250)

        /// The defaults.
        ///
        /// ```swift
        /// var configuration = ThreadDumpTrigger.Configuration(); configuration.signal = SIGUSR2
        /// ```
        public init() {}
    }

    private struct Handlers: Sendable {
        var configuration: Configuration
        var sections: @Sendable () -> [ThreadDump.Section]
        var tasks: (@Sendable () -> [ThreadDump.TaskStack])?
        var handler: @Sendable (ThreadDump) -> Void
    }

    private static let state = Mutex<(handlers: Handlers?, readFD: Int32, dumps: Int)>((nil, -1, 0))

    /// Installs the trigger and starts the `mode-dumper` thread (once); a second call replaces the callbacks.
    ///
    /// ```swift
    /// try ThreadDumpTrigger.install(sections: { [serviceTreeSection()] }) { dump in print(dump.render()) }
    /// ```
    /// - Throws: ``StackCaptureError`` when the handler cannot be installed.
    public static func install(
        _ configuration: Configuration = Configuration(),
        sections: @escaping @Sendable () -> [ThreadDump.Section] = { [] },
        tasks: (@Sendable () -> [ThreadDump.TaskStack])? = nil,
        handler: @escaping @Sendable (ThreadDump) -> Void
    ) throws {
        try StackCapture.install()
        let handlers = Handlers(configuration: configuration, sections: sections, tasks: tasks, handler: handler)
        let start: Int32? = try state.withLock { state in
            state.handlers = handlers
            if state.readFD >= 0 { return nil }
            let fd = c_mode_dump_trigger_install(configuration.signal)
            guard fd >= 0 else {
                throw StackCaptureError(code: .failed, message: "cannot install the dump trigger: errno \(-fd)")
            }
            state.readFD = fd
            return fd
        }
        guard start != nil else { return }
        let result = c_mode_thread_spawn("mode-dumper", { _ in ThreadDumpTrigger.dumperLoop() }, nil)
        if result != 0 {
            throw StackCaptureError(code: .failed, message: "cannot start the mode-dumper thread: errno \(result)")
        }
    }

    /// Requests a dump as the signal would (from the console, or tests).
    ///
    /// ```swift
    /// ThreadDumpTrigger.fire()
    /// ```
    public static func fire() {
        let signal = state.withLock { $0.handlers?.configuration.signal } ?? SIGUSR1
        c_mode_dump_trigger_fire(signal)
    }

    /// Number of dumps delivered so far.
    ///
    /// ```swift
    /// let before = ThreadDumpTrigger.dumpCount
    /// ```
    public static var dumpCount: Int { state.withLock { $0.dumps } }

    private static func dumperLoop() {
        AlternateSignalStack.installForCurrentThread()
        let fd = state.withLock { $0.readFD }
        while c_mode_dump_trigger_wait(fd) != 0 {
            guard let handlers = state.withLock({ $0.handlers }) else { continue }
            // Sections (tasks, services) describe the moment of the signal, like the stacks: take them before
            // symbolication, which can take a second on the first dump of a large debug binary.
            let sections = handlers.sections()
            var dump = ThreadDump.capture(
                reason: String(cString: c_mode_signal_name(handlers.configuration.signal)),
                symbolicate: handlers.configuration.symbolicate, timeout: handlers.configuration.captureTimeout)
            dump.sections.append(contentsOf: sections)
            dump.tasks = handlers.tasks?()
            state.withLock { $0.dumps += 1 }
            handlers.handler(dump)
        }
    }
}
