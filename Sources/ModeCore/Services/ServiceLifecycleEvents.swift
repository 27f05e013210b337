/// A process-wide hook that sees every service start, stop, crash and restart: the Worker uses it for
/// swift-metrics counters. One observer at a time; `nil` by default (no cost beyond a lock read).
///
/// ```swift
/// ServiceLifecycleEvents.setObserver { event in
///     if case .crashed(let path, _) = event { print("\(path) crashed") }
/// }
/// ```
public enum ServiceLifecycleEvents {
    /// A lifecycle event of one service.
    public enum Event: Sendable {
        case started(path: String)
        case stopped(path: String)
        case crashed(path: String, reason: String)
        case restarted(path: String)
    }

    private static let observer = LockedFunction<@Sendable (Event) -> Void>()

    /// Installs (or removes) the observer. It runs synchronously where the event happens: keep it cheap.
    public static func setObserver(_ newObserver: (@Sendable (Event) -> Void)?) {
        observer.store(newObserver)
    }

    static func emit(_ event: @autoclosure () -> Event) {
        guard let current = observer.load() else { return }
        current(event())
    }
}
