import Metrics
import Synchronization
import ModeCore
import ModeDiagnostics

/// The Worker's swift-metrics instruments. They cost nothing unless the application bootstraps a metrics
/// backend (`MetricsSystem.bootstrap`), e.g. swift-prometheus.
///
/// | Metric | Type | Dimensions |
/// |---|---|---|
/// | `mode_service_starts_total` | counter | — |
/// | `mode_service_stops_total` | counter | — |
/// | `mode_service_crashes_total` | counter | — |
/// | `mode_service_restarts_total` | counter | — |
/// | `mode_tasks_live` | gauge | — |
/// | `mode_blocked_total` | counter | — |
/// | `mode_blocked_seconds` | timer | — |
/// | `mode_worker_exit_status` | gauge | — |
///
/// Each Worker has its own (the instruments are swift-metrics handles: two Workers report into the same
/// series of the application's backend).
struct WorkerMetrics: Sendable {
    /// The registry whose live tasks `mode_tasks_live` counts.
    let tasks: TaskRegistry

    let starts = Counter(label: "mode_service_starts_total")
    let stops = Counter(label: "mode_service_stops_total")
    let crashes = Counter(label: "mode_service_crashes_total")
    let restarts = Counter(label: "mode_service_restarts_total")
    let liveTasks = Gauge(label: "mode_tasks_live")
    let stalls = Counter(label: "mode_blocked_total")
    let stallDurations = Metrics.Timer(label: "mode_blocked_seconds")
    let exitStatus = Gauge(label: "mode_worker_exit_status")
    /// Stalls reported and not yet ended (the systemd watchdog pings only while this is zero).
    let activeStalls = StallCounter()

    final class StallCounter: Sendable {
        let value = Atomic<Int>(0)
        var current: Int { value.load(ordering: .relaxed) }
    }

    @Sendable func observe(_ event: ServiceLifecycleEvents.Event) {
        switch event {
        case .started: starts.increment()
        case .stopped: stops.increment()
        case .crashed: crashes.increment()
        case .restarted: restarts.increment()
        }
        liveTasks.record(tasks.liveCount)
    }

    func stallReported(_ report: StallReport) {
        if report.repeatIndex == 0 {
            stalls.increment()
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
}
