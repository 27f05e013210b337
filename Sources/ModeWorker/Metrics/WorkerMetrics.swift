import Metrics
import ModeCore
import ModeDiagnostics
import Prometheus
import Synchronization

/// The Worker's swift-metrics instruments. They cost nothing unless a backend records them: the
/// application's (`MetricsSystem.bootstrap`, e.g. swift-prometheus) and, with `--http-port`, the Prometheus
/// registry of the Worker's `/metrics` endpoint.
///
/// | Metric | Type | Dimensions |
/// |---|---|---|
/// | `mode_service_starts_total` | counter | `service` |
/// | `mode_service_stops_total` | counter | `service` |
/// | `mode_service_crashes_total` | counter | `service` |
/// | `mode_service_restarts_total` | counter | `service` |
/// | `mode_tasks_live` | gauge | — |
/// | `mode_blocked_total` | counter | `service` (`unattributed` when no task was found) |
/// | `mode_blocked_seconds` | timer | — |
/// | `mode_worker_exit_status` | gauge | — |
///
/// The `/metrics` endpoint adds figures read when it is scraped (``WorkerMetricsExporter``).
///
/// Each Worker has its own (the instruments are swift-metrics handles: two Workers report into the same
/// series of the application's backend).
struct WorkerMetrics: Sendable {
    /// The registry whose live tasks `mode_tasks_live` counts.
    let tasks: TaskRegistry
    /// Where the instruments record.
    let factory: any MetricsFactory

    let liveTasks: Metrics.Gauge
    let stallDurations: Metrics.Timer
    let exitStatus: Metrics.Gauge
    /// Stalls reported and not yet ended (the systemd watchdog pings only while this is zero).
    let activeStalls = StallCounter()

    final class StallCounter: Sendable {
        let value = Atomic<Int>(0)
        var current: Int { value.load(ordering: .relaxed) }
    }

    /// Instruments recording into `factory` (default: the application's backend, or nothing).
    init(tasks: TaskRegistry, factory: any MetricsFactory = MetricsSystem.factory) {
        self.tasks = tasks
        self.factory = factory
        liveTasks = Metrics.Gauge(label: "mode_tasks_live", factory: factory)
        stallDurations = Metrics.Timer(label: "mode_blocked_seconds", factory: factory)
        exitStatus = Metrics.Gauge(label: "mode_worker_exit_status", factory: factory)
    }

    /// Instruments for a Worker whose `/metrics` endpoint exposes `registry` (`nil`: no endpoint). With
    /// `bootstrap`, swift-metrics is bootstrapped with that registry (once per process) so the application's
    /// own instruments are exposed too; otherwise the Worker's instruments record into the registry and into
    /// whatever backend the application bootstrapped.
    static func make(
        tasks: TaskRegistry, registry: PrometheusCollectorRegistry?, bootstrap: Bool
    ) -> WorkerMetrics {
        guard let registry else { return WorkerMetrics(tasks: tasks) }
        let prometheus = PrometheusMetricsFactory(registry: registry)
        if bootstrap && Self.claimBootstrap() {
            MetricsSystem.bootstrap(prometheus)
            return WorkerMetrics(tasks: tasks, factory: prometheus)
        }
        let both = MultiplexMetricsHandler(factories: [MetricsSystem.factory, prometheus])
        return WorkerMetrics(tasks: tasks, factory: both)
    }

    /// `MetricsSystem.bootstrap` traps when called twice, and it is process-wide: so is this flag (a second
    /// Worker that asks records into its own registry and the first one's backend).
    private static let bootstrapped = Mutex(false)

    private static func claimBootstrap() -> Bool {
        bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
    }

    @Sendable func observe(_ event: ServiceLifecycleEvents.Event) {
        switch event {
        case .started(let path): count("mode_service_starts_total", service: path)
        case .stopped(let path): count("mode_service_stops_total", service: path)
        case .crashed(let path, _): count("mode_service_crashes_total", service: path)
        case .restarted(let path): count("mode_service_restarts_total", service: path)
        }
        recordLiveTasks()
    }

    /// Records the registry's live tasks into `mode_tasks_live` (at every lifecycle event and scrape).
    func recordLiveTasks() {
        liveTasks.record(tasks.liveCount)
    }

    func stallReported(_ report: StallReport) {
        if report.repeatIndex == 0 {
            count("mode_blocked_total", service: report.task?.servicePath ?? "unattributed")
            activeStalls.value.add(1, ordering: .relaxed)
        }
    }

    func stallEnded(_ end: StallWatchdog.StallEnd) {
        activeStalls.value.subtract(1, ordering: .relaxed)
        stallDurations.recordNanoseconds(Int64(end.total.components.seconds) * 1_000_000_000
            + end.total.components.attoseconds / 1_000_000_000)
    }

    func workerExited(status: Int32) {
        exitStatus.record(Int(status))
    }

    private func count(_ label: String, service: String) {
        Metrics.Counter(label: label, dimensions: [("service", service)], factory: factory).increment()
    }
}
