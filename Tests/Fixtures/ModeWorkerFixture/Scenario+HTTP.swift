import Metrics
import Mode

extension Scenario {
    /// A one-for-one supervisor ("App") over a service that crashes 50 ms after its start and is restarted
    /// only after an hour: once "Restarting dead" is logged, the service stays down for the test
    /// (`/readyz` must answer 503 and name it), and the Worker keeps running.
    static func crashedWaitingRoot() -> any Service {
        var policy = SupervisionPolicy(strategy: .oneForOne)
        policy.backoff.base = .seconds(3600)
        policy.backoff.cap = .seconds(3600)
        policy.backoff.jitter = 0
        let app = Supervisor(policy: policy, label: "App")
        app.supervise(CrashingAfterStart())
        return app
    }
}

/// Holds 1,000 idle tracked tasks from its start until it stops: ten of them make the 10,000 live tasks of
/// the `many-tasks` scenario, for timing `/metrics` (BENCHMARKS.md).
final class ThousandTasks: Service {
    let lifecycle: ServiceLifecycleState
    init(index: Int) { lifecycle = ServiceLifecycleState(label: "Tasks\(index)") }

    func onStart() async throws {
        for index in 0..<1000 {
            lifecycle.tree.tasks.spawn("idle-\(index)", servicePath: path) {
                while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
            }
        }
        logger.info("1000 tasks started")
    }

    func onStop() async throws {
        for record in lifecycle.tree.tasks.liveTasks() where record.servicePath == path {
            lifecycle.tree.tasks.cancel(id: record.id)
        }
    }
}

extension Scenario {
    /// The application asks the Worker to bootstrap swift-metrics (`bootstrapsMetrics`): its own counter
    /// appears on `/metrics` next to the Worker's, each counted once.
    static var appMetrics: Scenario {
        var scenario = Scenario { AppService(children: [PageViewCounter()]) }
        scenario.adjustOptions = { $0.bootstrapsMetrics = true }
        return scenario
    }
}

/// Counts one page view with an application-level swift-metrics counter when it starts.
final class PageViewCounter: Service {
    let lifecycle = ServiceLifecycleState()

    func onStart() async throws {
        Counter(label: "fixture_page_views_total").increment()
        logger.info("counted a page view")
    }
}
