import ModeCore
import NIOHTTP1
import Testing

@testable import ModeWorker

/// The rules of `/healthz` and `/readyz`, on plain values.
@Suite("Worker probes")
struct WorkerProbesTests {
    let running: [(path: String, state: ServiceState)] = [("Worker", .running), ("Worker/App", .running)]

    @Test func livenessIsOkWhileTheWatchdogPolls() {
        let pulse = WorkerProbes.WatchdogPulse(sinceLastPoll: .seconds(2), pollInterval: .milliseconds(2500))
        let answer = WorkerProbes.liveness(watchdog: pulse)
        #expect(answer.status == .ok)
        #expect(answer.body == "ok\n")
    }

    @Test func livenessFailsWhenTheWatchdogStoppedPolling() {
        // Limit: three poll intervals and a second (8.5 s for the default 2.5 s).
        let pulse = WorkerProbes.WatchdogPulse(sinceLastPoll: .seconds(9), pollInterval: .milliseconds(2500))
        let answer = WorkerProbes.liveness(watchdog: pulse)
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.body.contains("the stall watchdog thread last polled 9.0 s ago"), "\(answer.body)")
        #expect(answer.body.contains("limit 8.5 s"), "\(answer.body)")
    }

    @Test func livenessWithoutAWatchdogSaysSo() {
        let answer = WorkerProbes.liveness(watchdog: nil)
        #expect(answer.status == .ok)
        #expect(answer.body == "ok (stall watchdog off)\n")
    }

    @Test func readyWhenEverythingRuns() {
        let answer = WorkerProbes.readiness(stopping: false, services: running, stalls: [], limit: .seconds(30))
        #expect(answer.status == .ok)
        #expect(answer.body == "ready\n")
    }

    @Test func notReadyNamesEveryServiceThatIsNotRunning() {
        let services: [(path: String, state: ServiceState)] = [
            ("Worker", .running), ("Worker/App", .crashed), ("Worker/Cache", .initial),
        ]
        let answer = WorkerProbes.readiness(stopping: false, services: services, stalls: [], limit: .seconds(30))
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.body == "not ready:\n  service Worker/App is crashed\n  service Worker/Cache is init\n")
    }

    @Test func notReadyWhileStopping() {
        let answer = WorkerProbes.readiness(stopping: true, services: running, stalls: [], limit: .seconds(30))
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.body.contains("the Worker is stopping"))
    }

    @Test func aStallCountsOnlyPastTheLimit() {
        let short = WorkerProbes.Stall(executor: "thread 41 (global-pool)", duration: .seconds(29))
        let long = WorkerProbes.Stall(executor: "main-actor", duration: .milliseconds(31_200))
        let under = WorkerProbes.readiness(stopping: false, services: running, stalls: [short], limit: .seconds(30))
        #expect(under.status == .ok)
        let over = WorkerProbes.readiness(
            stopping: false, services: running, stalls: [short, long], limit: .seconds(30))
        #expect(over.status == .serviceUnavailable)
        #expect(over.body == "not ready:\n  main-actor has been stalled for 31.2 s (limit 30.0 s)\n")
    }
}
