import ModeCore
import ModeDiagnostics
import Prometheus
import Synchronization

/// The Worker's `/metrics`: the Prometheus registry its instruments record into (``WorkerMetrics``), plus
/// gauges read from the Worker when scraped.
///
/// | Metric | Type | Labels |
/// |---|---|---|
/// | `mode_service_state` | gauge (1 for the current state, 0 for the others) | `service`, `state` |
/// | `mode_service_restart_count` | gauge (restarts of the service or an ancestor) | `service` |
/// | `mode_service_tasks_live` | gauge | `service` (`none`: tasks of no service) |
/// | `mode_executor_threads` | gauge (instrumented job-running threads) | `executor` |
/// | `mode_executor_busy_threads` | gauge (of those, running a job now) | `executor` |
/// | `mode_executor_busy_share` | gauge (busy threads / threads, 0...1) | — |
/// | `mode_stalls_active` | gauge (stalls reported and not ended) | — |
///
/// ```swift
/// let exporter = WorkerMetricsExporter(registry: PrometheusCollectorRegistry())
/// let text = exporter.exposition(of: worker, metrics: metrics)   // Prometheus text format 0.0.4
/// ```
final class WorkerMetricsExporter: Sendable {
    let registry: PrometheusCollectorRegistry
    /// Label values set at the previous scrape, so a service whose tasks all ended reads 0, not its last count.
    private let taskServices = Mutex<Set<String>>([])
    private let executorKinds = Mutex<Set<String>>([])

    static let states: [ServiceState] = [.initial, .running, .stopping, .shutdown, .crashed]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Updates the scrape-time gauges and renders the registry.
    func exposition(of worker: Worker, metrics: WorkerMetrics) -> String {
        for service in worker.subtree() {
            let path = service.path
            let current = service.state
            for state in Self.states {
                gauge("mode_service_state", "1 for the state the service is in, 0 for the others",
                      labels: [("service", path), ("state", "\(state)")])
                    .set(to: current == state ? 1 : 0)
            }
            gauge("mode_service_restart_count",
                  "Times the service (or an ancestor, which restarts its subtree) was restarted",
                  labels: [("service", path)])
                .set(to: Double(service.restartCount))
        }
        recordLiveTasks(metrics.tasks)
        recordExecutors(ThreadActivity.snapshot())
        gauge("mode_stalls_active", "Executor stalls reported and not ended yet")
            .set(to: Double(metrics.activeStalls.current))
        metrics.recordLiveTasks()
        return registry.emitToString()
    }

    /// The registry's gauge `name` with `labels` (made at the first scrape, the same one afterwards).
    private func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Prometheus.Gauge {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        return labels.isEmpty
            ? registry.makeGauge(descriptor: descriptor) : registry.makeGauge(descriptor: descriptor, labels: labels)
    }

    private func recordLiveTasks(_ tasks: TaskRegistry) {
        var counts: [String: Int] = [:]
        for (service, count) in tasks.liveCountsByService() { counts[service ?? "none", default: 0] += count }
        let previous = taskServices.withLock { seen in
            defer { seen.formUnion(counts.keys) }
            return seen
        }
        for service in previous.union(counts.keys) {
            gauge("mode_service_tasks_live", "Live tasks of the Task Registry by owning service",
                  labels: [("service", service)])
                .set(to: Double(counts[service] ?? 0))
        }
    }

    private func recordExecutors(_ activity: [ThreadActivity]) {
        var threads: [String: (total: Int, busy: Int)] = [:]
        for thread in activity {
            let kind = thread.kind.description
            threads[kind, default: (0, 0)].total += 1
            if thread.job != nil { threads[kind, default: (0, 0)].busy += 1 }
        }
        let previous = executorKinds.withLock { seen in
            defer { seen.formUnion(threads.keys) }
            return seen
        }
        for kind in previous.union(threads.keys) {
            let figures = threads[kind] ?? (0, 0)
            gauge("mode_executor_threads", "Instrumented job-running threads", labels: [("executor", kind)])
                .set(to: Double(figures.total))
            gauge("mode_executor_busy_threads", "Instrumented threads running a job when scraped",
                  labels: [("executor", kind)])
                .set(to: Double(figures.busy))
        }
        let total = threads.values.reduce(0) { $0 + $1.total }
        let busy = threads.values.reduce(0) { $0 + $1.busy }
        gauge("mode_executor_busy_share", "Share of instrumented threads running a job when scraped (0...1)")
            .set(to: total == 0 ? 0 : Double(busy) / Double(total))
    }
}
