import ModeCore
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The signals a standalone Worker handles (SIGINT, SIGTERM, SIGHUP), received through swift-service-lifecycle's
/// `UnixSignalsSequence`, the same mechanism a `ServiceGroup` uses. A Worker running as a member of an
/// application's `ServiceGroup` (``WorkerService``) handles none: the group owns them. SIGUSR1 (thread dumps)
/// and the fatal signals (crash reports) have their own async-signal-safe handlers.
///
/// The sequence is consumed on a thread of its own (`mode-signals`), not on Swift's cooperative pool: when every
/// pool thread is stuck (the situation a stall watchdog exists for), SIGTERM is still logged and a second one
/// still forces the exit.
final class WorkerSignals: Sendable {
    static let trapped: [UnixSignal] = [.sigint, .sigterm, .sighup]

    private let consumer: Task<Void, Never>
    private let thread: DedicatedThreadExecutor?

    private init(consumer: Task<Void, Never>, thread: DedicatedThreadExecutor?) {
        self.consumer = consumer
        self.thread = thread
    }

    /// Delivers the trapped signals to `handler`, from the time this returns (the sources are registered)
    /// until ``stop()``.
    static func start(_ handler: @escaping @Sendable (UnixSignal) -> Void) async -> WorkerSignals {
        // On Linux the sequence leaves the disposition alone; a signal still at SIG_DFL would end the process
        // on a thread that does not block it before the dispatch source sees it.
        for signal in trapped { ignoreIfDefault(signal.rawValue) }
        let sequence = await UnixSignalsSequence(trapping: trapped)
        // Without a thread of its own (pthread_create failed) the pool consumes the signals.
        let thread = try? DedicatedThreadExecutor(name: "mode-signals")
        let consumer = Task(executorPreference: thread) {
            for await signal in sequence { handler(signal) }
        }
        return WorkerSignals(consumer: consumer, thread: thread)
    }

    /// Stops delivering signals (their dispositions stay as they are: ignored) and ends the thread.
    func stop() {
        consumer.cancel()
        thread?.shutdownAndWait()
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
