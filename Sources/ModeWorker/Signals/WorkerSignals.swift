import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The signals a standalone Worker handles (SIGINT, SIGTERM, SIGHUP), received through swift-service-lifecycle's
/// `UnixSignalsSequence`, the same mechanism a `ServiceGroup` uses. A Worker running as a member of an
/// application's `ServiceGroup` (``WorkerService``) handles none: the group owns them. SIGUSR1 (thread dumps)
/// and the fatal signals (crash reports) have their own async-signal-safe handlers.
enum WorkerSignals {
    static let trapped: [UnixSignal] = [.sigint, .sigterm, .sighup]

    /// Delivers the trapped signals to `handler`, from the time this returns (the sources are registered)
    /// until the returned task is cancelled.
    static func start(_ handler: @escaping @Sendable (UnixSignal) -> Void) async -> Task<Void, Never> {
        // On Linux the sequence leaves the disposition alone; a signal still at SIG_DFL would end the process
        // on a thread that does not block it before the dispatch source sees it.
        for signal in trapped { ignoreIfDefault(signal.rawValue) }
        let sequence = await UnixSignalsSequence(trapping: trapped)
        return Task {
            for await signal in sequence { handler(signal) }
        }
    }

    private static let dispositionLock = Mutex<Void>(())

    private static func ignoreIfDefault(_ number: Int32) {
        dispositionLock.withLock { _ in
            var current = sigaction()
            guard sigaction(number, nil, &current) == 0 else { return }
            if unsafeBitCast(current.__sigaction_handler, to: Int.self) == 0 {  // SIG_DFL
                _ = signal(number, SIG_IGN)
            }
        }
    }
}
