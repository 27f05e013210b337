import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Receives Unix signals as ordinary events, off the Swift executor, without C code.
///
/// Each signal gets a `DispatchSource` signal source on a private serial queue. If the signal still has its
/// default action it is first set to `SIG_IGN`, so the default action (terminate) cannot kill the process
/// while the source is being registered; on Linux libdispatch then installs its own handler (on Darwin
/// kqueue sees ignored signals). A handler that is already installed is never replaced.
/// The events arrive on the private queue and are passed to the handler, or to an `AsyncStream` with
/// ``makeStream(signals:)``; nothing ever blocks a Swift concurrency thread.
///
/// - Important: After ``stop()`` the signals stay ignored (caught and dropped by libdispatch on Linux)
///   rather than returning to their default action, so a late SIGTERM cannot kill a process that is
///   finishing its own shutdown. Monitoring `SIGUSR1` replaces any `sigaction` handler the thread-dump
///   helper installed, so it is not in ``defaultSignals``.
///
/// The Worker feeds the events to ``ShutdownSignalPolicy``:
///
/// ```swift
/// let (monitor, signals) = ProcessSignalMonitor.makeStream()
/// await monitor.start()                          // returns once every source is registered
/// for await signal in signals {
///     switch policy.signalReceived(signal) { /* ... */ }
/// }
/// ```
public final class ProcessSignalMonitor: Sendable {
    /// SIGINT, SIGTERM and SIGHUP.
    public static let defaultSignals: Set<ProcessSignal> = [.sigint, .sigterm, .sighup]

    /// The signals this monitor handles.
    public let signals: Set<ProcessSignal>

    private enum State {
        case idle
        case running([SignalSource])
        case stopped
    }

    private let handler: @Sendable (ProcessSignal) -> Void
    private let onStop: (@Sendable () -> Void)?
    private let state = Mutex<State>(.idle)
    private let queue = DispatchQueue(label: "mode.process-signal-monitor")

    /// Creates a monitor that calls `handler` (on a private serial queue) for each signal received.
    ///
    /// ```swift
    /// let monitor = ProcessSignalMonitor { signal in print("got \(signal.name)") }
    /// await monitor.start()
    /// ```
    ///
    /// - Parameters:
    ///   - signals: The signals to handle. Default: ``defaultSignals``.
    ///   - handler: Called once per delivery (deliveries of one signal that arrive together may be merged).
    public convenience init(
        signals: Set<ProcessSignal> = ProcessSignalMonitor.defaultSignals,
        handler: @escaping @Sendable (ProcessSignal) -> Void
    ) {
        self.init(signals: signals, handler: handler, onStop: nil)
    }

    private init(
        signals: Set<ProcessSignal>, handler: @escaping @Sendable (ProcessSignal) -> Void,
        onStop: (@Sendable () -> Void)?
    ) {
        self.signals = signals
        self.handler = handler
        self.onStop = onStop
    }

    /// Creates a monitor whose signals arrive on an `AsyncStream`; the stream finishes on ``stop()``.
    ///
    /// ```swift
    /// let (monitor, signals) = ProcessSignalMonitor.makeStream(signals: [.sighup])
    /// await monitor.start()
    /// for await _ in signals { try sink.reopen() }
    /// ```
    public static func makeStream(
        signals: Set<ProcessSignal> = ProcessSignalMonitor.defaultSignals
    ) -> (monitor: ProcessSignalMonitor, events: AsyncStream<ProcessSignal>) {
        let (stream, continuation) = AsyncStream.makeStream(of: ProcessSignal.self, bufferingPolicy: .unbounded)
        let monitor = ProcessSignalMonitor(
            signals: signals, handler: { continuation.yield($0) }, onStop: { continuation.finish() })
        return (monitor, stream)
    }

    /// Installs the signal sources and returns once all are registered, so a signal raised after `start()`
    /// returns is delivered. Calling it again, or after ``stop()``, does nothing.
    ///
    /// ```swift
    /// await monitor.start()
    /// kill(getpid(), SIGHUP)   // delivered to the handler
    /// ```
    public func start() async {
        let sources: [SignalSource]? = self.state.withLock { state in
            guard case .idle = state else { return nil }
            let sources = self.signals.sorted(by: { $0.rawValue < $1.rawValue }).map { signal in
                ignoreSignalIfDefault(signal.rawValue)
                let source = DispatchSource.makeSignalSource(signal: signal.rawValue, queue: self.queue)
                let handler = self.handler
                source.setEventHandler { handler(signal) }
                return SignalSource(source: source)
            }
            state = .running(sources)
            return sources
        }
        guard let sources else { return }
        for wrapped in sources {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                wrapped.source.setRegistrationHandler { continuation.resume() }
                wrapped.source.resume()
            }
        }
    }

    /// Cancels the sources; the stream from ``makeStream(signals:)`` finishes. The signals stay ignored.
    ///
    /// ```swift
    /// monitor.stop()
    /// ```
    public func stop() {
        let sources: [SignalSource] = self.state.withLock { state in
            defer { state = .stopped }
            if case .running(let sources) = state { return sources }
            return []
        }
        for wrapped in sources {
            wrapped.source.cancel()
        }
        self.onStop?()
    }

    deinit {
        self.stop()
    }
}

/// A signal source shared between the monitor's lock and the tasks that register and cancel it.
///
/// `@unchecked Sendable` is safe: the only stored property is immutable, and libdispatch objects are
/// internally synchronised (`resume()`, `cancel()` and setting handlers are documented as callable from any
/// thread); the monitor resumes each source once (in `start()`) and cancels it at most once (in `stop()`).
private struct SignalSource: @unchecked Sendable {
    let source: any DispatchSourceSignal
}

/// Serialises the check-then-set in ``ignoreSignalIfDefault(_:)`` across all monitors of the process.
private let dispositionLock = Mutex<Void>(())

/// Sets signal `number` to `SIG_IGN` only if it still has its default action.
///
/// Never overwrite an installed handler: on Linux libdispatch installs its own `sigaction` handler when the
/// first source for a signal registers and does not reinstall it for later sources, so setting `SIG_IGN`
/// again would silently stop delivery to every existing source (found by a test running two monitors).
private func ignoreSignalIfDefault(_ number: Int32) {
    dispositionLock.withLock { _ in
        var current = sigaction()
        guard sigaction(number, nil, &current) == 0 else { return }
        #if canImport(Darwin)
        let handler = unsafeBitCast(current.__sigaction_u, to: Int.self)
        #else
        let handler = unsafeBitCast(current.__sigaction_handler, to: Int.self)
        #endif
        if handler == 0 {  // SIG_DFL
            _ = signal(number, SIG_IGN)
        }
    }
}
