import Logging
import ModeConsole
import ModeCore
import ModeDiagnostics
import NIOCore
import NIOHTTP1
import Prometheus
import Synchronization

extension WorkerRuntime {
    /// The name of the heartbeat that runs inline on the stall watchdog's thread: its last beat is the
    /// watchdog's last poll (the liveness figure of `/healthz`). Never outstanding, so never a stall.
    static let watchdogPulseName = "mode-watchdog-pulse"

    /// How much longer than the blocking timeout a stall may last before `/readyz` answers 503, when
    /// `--ready-stall-limit` is not given.
    static let readyStallLimitFactor = 3

    /// Starts the HTTP endpoint when `--http-port` is given: `/healthz`, `/readyz`, `/metrics` from
    /// `registry`, and the web view `/debug/` over the debug console's commands (the console's own registry
    /// when the console runs, else the same commands registered afresh). Refuses a non-loopback address without `MODE_HTTP_TOKEN` (logs why); a bind failure is
    /// logged too, and the Worker runs without the endpoint, as it does when its console cannot start.
    func startHTTP(worker: Worker, registry: PrometheusCollectorRegistry?) {
        let options = worker.options
        guard let port = options.httpPort, let registry else { return }
        let logger = Logger(label: "mode.http")
        let token = ProcessEnvironment.current()[WorkerOptions.EnvironmentVariable.httpToken]
            .flatMap { $0.isEmpty ? nil : $0 }
        let loopback = (try? SocketAddress.makeAddressResolvingHost(options.httpHost, port: 0))
            .map(DebugConsole.isLoopback) ?? false
        if !loopback && token == nil {
            worker.logger.error(
                "HTTP endpoint is off: --http-host \(options.httpHost) is not a loopback address and MODE_HTTP_TOKEN is not set; set the variable (clients send Authorization: Bearer <token>) or bind 127.0.0.1"
            )
            return
        }
        if watchdog != nil {
            heartbeats.register(name: Self.watchdogPulseName) { beat in beat() }
        }
        let exporter = WorkerMetricsExporter(registry: registry)
        let startedAt = ThreadActivity.monotonicNanoseconds
        let limit = options.readyStallLimit
            ?? (blockingTimeout > .zero ? blockingTimeout : Self.defaultBlockingTimeout) * Self.readyStallLimitFactor
        let routes: [String: @Sendable () -> HTTPEndpointResponse] = [
            "/healthz": { [weak self] in
                WorkerProbes.liveness(watchdog: self?.watchdogPulse(since: startedAt))
            },
            "/readyz": { [weak self, weak worker] in
                guard let self, let worker else {
                    return HTTPEndpointResponse(status: .serviceUnavailable, body: "not ready: the Worker has ended\n")
                }
                return WorkerProbes.readiness(
                    stopping: self.policy.withLock { $0.state } != .running,
                    services: worker.subtree().map { ($0.path, $0.state) },
                    stalls: self.currentStalls(), limit: limit)
            },
            "/metrics": { [metrics = self.metrics, weak worker] in
                guard let worker else { return HTTPEndpointResponse(status: .serviceUnavailable, body: "") }
                return HTTPEndpointResponse(
                    status: .ok, body: exporter.exposition(of: worker, metrics: metrics),
                    contentType: "text/plain; version=0.0.4; charset=utf-8")
            },
        ]
        let commands = console?.registry ?? {
            let commands = ConsoleCommandRegistry()
            WorkerConsoleCommands.register(in: commands, worker: worker)
            return commands
        }()
        let debugView = DebugWebView(registry: commands, checksHost: token == nil)
        let configuration = HTTPEndpoint.Configuration(host: options.httpHost, port: port, token: token)
        let endpoint = HTTPEndpoint(
            configuration: configuration, routes: routes, subtrees: [debugView.subtree], logger: logger)
        do {
            let address = try endpoint.start()
            let shown = "\(address.ipAddress ?? options.httpHost):\(address.port ?? port)"
            if !DebugConsole.isLoopback(address) {
                logger.warning(
                    "WARNING: the HTTP endpoint listens on \(shown), which is not a loopback address. It exposes the Worker's health, readiness, metrics and web view (service names, tasks, stacks; restart and stop); every request must carry Authorization: Bearer $MODE_HTTP_TOKEN. The token travels in clear text: put the port behind a network policy or a TLS-terminating proxy.",
                    metadata: ["mode.http.address": "\(shown)"])
            }
            worker.logger.info("HTTP endpoint listening on \(shown) (/healthz, /readyz, /metrics, /debug/)")
            http.withLock { $0 = endpoint }
        } catch {
            worker.logger.warning("HTTP endpoint is off: \(error)")  // "cannot listen on HOST:PORT: <reason>"
        }
    }

    /// The watchdog thread's last poll (its pulse heartbeat), or `nil` when the watchdog is off.
    private func watchdogPulse(since startedAt: UInt64) -> WorkerProbes.WatchdogPulse? {
        guard let watchdog, watchdog.isRunning else { return nil }
        let now = ThreadActivity.monotonicNanoseconds
        let pulse = heartbeats.statuses().first { $0.name == Self.watchdogPulseName }
        let last = max(pulse?.lastBeatNanoseconds ?? 0, startedAt)
        return WorkerProbes.WatchdogPulse(
            sinceLastPoll: .nanoseconds(Int64(now > last ? now - last : 0)),
            pollInterval: watchdog.configuration.effectivePollInterval)
    }

    /// Executors busy with one job (instrumented threads) or not answering a heartbeat, and for how long.
    private func currentStalls() -> [WorkerProbes.Stall] {
        let now = ThreadActivity.monotonicNanoseconds
        func age(_ since: UInt64) -> Duration { .nanoseconds(Int64(now > since ? now - since : 0)) }
        var stalls: [WorkerProbes.Stall] = []
        let filter = watchdog?.configuration.threadFilter ?? { _ in true }
        for activity in ThreadActivity.snapshot() where activity.job != nil && filter(activity) {
            stalls.append(.init(executor: "thread \(activity.threadID) (\(activity.kind))",
                                duration: age(activity.startNanoseconds)))
        }
        for status in heartbeats.statuses() where status.name != Self.watchdogPulseName {
            guard let since = status.outstandingSinceNanoseconds else { continue }
            stalls.append(.init(executor: status.name, duration: age(since)))
        }
        return stalls
    }
}
