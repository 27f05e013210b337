import ModeConsole
import ModeCore
import NIOHTTP1

/// What `/healthz` and `/readyz` answer, decided from figures read at request time. Pure functions of
/// their inputs (no clock, no I/O), so every rule is tested with plain values.
///
/// ```swift
/// let answer = WorkerProbes.readiness(stopping: false, services: [("Worker", .running)], stalls: [],
///                                     limit: .seconds(30))
/// // 200 "ready\n"
/// ```
enum WorkerProbes {
    /// The stall watchdog thread's last sign of life.
    struct WatchdogPulse: Equatable {
        /// Time since the watchdog thread last polled.
        var sinceLastPoll: Duration
        /// How often it polls.
        var pollInterval: Duration

        /// The longest silence still healthy: three polls missed, plus a second for a loaded machine.
        var limit: Duration { pollInterval * 3 + .seconds(1) }
    }

    /// An executor busy with one job (a thread) or not answering its heartbeat (an executor) for `duration`.
    struct Stall: Equatable {
        /// `thread 4242 (global-pool)` or `main-actor`.
        var executor: String
        var duration: Duration
    }

    /// Liveness: the process answers (it does, since this runs) and the watchdog thread polls.
    ///
    /// - Parameter watchdog: `nil` when the watchdog is off (`--blocking-timeout 0`).
    static func liveness(watchdog: WatchdogPulse?) -> HTTPEndpointResponse {
        guard let watchdog else { return HTTPEndpointResponse(status: .ok, body: "ok (stall watchdog off)\n") }
        guard watchdog.sinceLastPoll <= watchdog.limit else {
            return HTTPEndpointResponse(
                status: .serviceUnavailable,
                body: "unhealthy: the stall watchdog thread last polled \(seconds(watchdog.sinceLastPoll)) ago "
                    + "(it polls every \(seconds(watchdog.pollInterval)); limit \(seconds(watchdog.limit)))\n")
        }
        return HTTPEndpointResponse(status: .ok, body: "ok\n")
    }

    /// Readiness: not stopping, every service running, no executor stalled longer than `limit`. The body
    /// names every reason, one a line.
    static func readiness(
        stopping: Bool, services: [(path: String, state: ServiceState)], stalls: [Stall], limit: Duration
    ) -> HTTPEndpointResponse {
        var reasons: [String] = []
        if stopping { reasons.append("the Worker is stopping") }
        for service in services where service.state != .running {
            reasons.append("service \(service.path) is \(service.state)")
        }
        for stall in stalls.sorted(by: { $0.duration > $1.duration }) where stall.duration > limit {
            reasons.append(
                "\(stall.executor) has been stalled for \(seconds(stall.duration)) (limit \(seconds(limit)))")
        }
        guard reasons.isEmpty else {
            return HTTPEndpointResponse(
                status: .serviceUnavailable, body: "not ready:\n" + reasons.map { "  \($0)\n" }.joined())
        }
        return HTTPEndpointResponse(status: .ok, body: "ready\n")
    }

    /// `2.5 s`, with one decimal, as the console shows durations.
    static func seconds(_ duration: Duration) -> String {
        ConsoleDuration.text(duration, roundingUp: false)
    }
}
