import Foundation
import Testing

/// `/healthz`, `/readyz` and `/metrics` of a real Worker process, over real HTTP.
@Suite("Worker HTTP endpoint", .serialized)
struct WorkerHTTPTests {
    static let listening = #"HTTP endpoint listening on 127\.0\.0\.1:(\d+) "#

    /// Starts a fixture with the endpoint on an ephemeral port; returns the child and the port.
    func startWorker(
        _ scenario: String = "clean", _ extra: [String] = [], environment: [String: String] = [:]
    ) async throws -> (ChildWorker, Int) {
        let child = try ChildWorker(
            scenario, ["--no-console", "--http-port", "0"] + extra, environment: environment)
        let output = try await child.waitForOutput("the HTTP endpoint's port") {
            $0.range(of: Self.listening, options: .regularExpression) != nil
        }
        let match = try #require(output.range(of: Self.listening, options: .regularExpression))
        let digits = output[match].dropFirst("HTTP endpoint listening on 127.0.0.1:".count).dropLast()
        return (child, try #require(Int(digits)))
    }

    /// Asks `path` until `done` holds for the answer (the tree starting, say), within the child's deadline.
    func waitForAnswer(
        _ path: String, port: Int, headers: [String] = [], until done: (HTTPTestAnswer) -> Bool
    ) async throws -> HTTPTestAnswer {
        let deadline = ContinuousClock.now + ChildWorker.deadline
        while true {
            let answer = try await HTTPTestAnswer.get(path, port: port, headers: headers)
            if done(answer) || ContinuousClock.now > deadline { return answer }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop(_ child: ChildWorker) async throws {
        // The endpoint starts while the Worker sets up; a SIGTERM sent before the tree starts (before the
        // Worker keeps its runtime) is not acted on, so wait for the start.
        try await child.waitFor("[^Worker]: Starting...")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0, "\(exit)\n\(child.output)")
    }

    @Test("healthz and readyz answer 200 once the tree runs; unknown paths 404, POST 405")
    func probesOfAHealthyWorker() async throws {
        let (child, port) = try await startWorker("clean", ["--blocking-timeout", "1"])
        let ready = try await waitForAnswer("/readyz", port: port) { $0.status == 200 }
        #expect(ready.status == 200, "\(ready)")
        #expect(ready.body == "ready\n")
        let health = try await HTTPTestAnswer.get("/healthz", port: port)
        #expect(health.status == 200)
        #expect(health.body == "ok\n")
        #expect(try await HTTPTestAnswer.get("/nope", port: port).status == 404)
        let post = "POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        #expect(try await HTTPTestAnswer.exchange(Array(post.utf8), port: port).status == 405)
        try await stop(child)
    }

    @Test("/metrics is valid Prometheus text with service states, tasks, executors and crashes")
    func metricsExposition() async throws {
        let (child, port) = try await startWorker("clean", ["--blocking-timeout", "1"])
        _ = try await waitForAnswer("/readyz", port: port) { $0.status == 200 }
        let metrics = try await HTTPTestAnswer.get("/metrics", port: port)
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let problems = PrometheusText.problems(metrics.body)
        #expect(problems.isEmpty, "\(problems)\n\(metrics.body)")
        let body = metrics.body
        let ticker = #"mode_service_state{service="Worker/AppService/Ticker",state="running"} 1.0"#
        #expect(body.contains(ticker), "\(body)")
        #expect(body.contains(#"mode_service_state{service="Worker/AppService/Ticker",state="crashed"} 0.0"#))
        #expect(body.contains(#"mode_service_starts_total{service="Worker/AppService/PageViewCache"} 1"#))
        #expect(body.contains(#"mode_service_tasks_live{service="Worker/AppService/Ticker"} 1.0"#))
        #expect(body.contains("mode_executor_busy_share "))
        #expect(body.contains("mode_stalls_active 0.0"))
        try await stop(child)
    }

    @Test("bootstrapsMetrics: the application's own counters are on /metrics, the Worker's counted once")
    func applicationMetrics() async throws {
        let (child, port) = try await startWorker("app-metrics", ["--blocking-timeout", "0"])
        try await child.waitFor("counted a page view")
        // The start is counted when onStart has returned, just after the line above.
        let started = #"mode_service_starts_total{service="Worker/AppService/PageViewCounter"} "#
        let metrics = try await waitForAnswer("/metrics", port: port) { $0.body.contains(started) }
        #expect(metrics.body.contains("\nfixture_page_views_total 1\n"), "\(metrics.body)")
        #expect(metrics.body.contains(started + "1\n"), "counted once, not once per backend: \(metrics.body)")
        #expect(PrometheusText.problems(metrics.body).isEmpty)
        try await stop(child)
    }

    @Test("readyz is 503 and names the service while a supervised service is down; crashes are counted")
    func readinessWhileAServiceIsDown() async throws {
        let (child, port) = try await startWorker("crashed-waiting", ["--blocking-timeout", "1"])
        try await child.waitFor("Restarting dead Worker/App/Flaky")  // then an hour's backoff: it stays down
        let ready = try await HTTPTestAnswer.get("/readyz", port: port)
        #expect(ready.status == 503, "\(ready)")
        #expect(ready.body.hasPrefix("not ready:\n"))
        #expect(ready.body.contains("service Worker/App/Flaky is "), "\(ready.body)")
        #expect(try await HTTPTestAnswer.get("/healthz", port: port).status == 200)
        let metrics = try await HTTPTestAnswer.get("/metrics", port: port)
        #expect(metrics.body.contains(#"mode_service_crashes_total{service="Worker/App/Flaky"} 1"#), "\(metrics.body)")
        #expect(metrics.body.contains(#"mode_service_state{service="Worker/App/Flaky",state="running"} 0.0"#))
        try await stop(child)
    }

    @Test("while every executor thread is blocked: healthz 200, readyz 503 naming the stalled thread")
    func readinessDuringAStall() async throws {
        let (child, port) = try await startWorker(
            "block-all", ["--blocking-timeout", "0.3", "--ready-stall-limit", "0.3"])
        // A stall report means a job has held its thread longer than 0.3 s; the blockers hold theirs for 30 s.
        try await child.waitFor("Blocking detected:")
        let ready = try await HTTPTestAnswer.get("/readyz", port: port)
        #expect(ready.status == 503, "\(ready)")
        #expect(ready.body.contains("has been stalled for "), "\(ready.body)")
        #expect(ready.body.contains("(limit 0.3 s)"))
        let health = try await HTTPTestAnswer.get("/healthz", port: port)
        #expect(health.status == 200, "\(health)")
        // The report is counted once handed over, just after it is logged.
        let metrics = try await waitForAnswer("/metrics", port: port) { $0.body.contains("mode_blocked_total{") }
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("mode_blocked_total{service="), "\(metrics.body)")
        #expect(PrometheusText.problems(metrics.body).isEmpty)
        child.signal(SIGKILL)
        _ = try await child.waitForExit()
    }

    @Test("readyz is 503 as soon as the Worker begins stopping")
    func readinessWhileStopping() async throws {
        let (child, port) = try await startWorker("slow-stop", ["--blocking-timeout", "1"])
        _ = try await waitForAnswer("/readyz", port: port) { $0.status == 200 }
        child.signal(SIGTERM)
        try await child.waitFor("[^--SlowStop]: Stopping...")  // its onStop never returns
        let ready = try await HTTPTestAnswer.get("/readyz", port: port)
        #expect(ready.status == 503, "\(ready)")
        #expect(ready.body.contains("the Worker is stopping"), "\(ready.body)")
        child.signal(SIGKILL)
        _ = try await child.waitForExit()
    }

    @Test("MODE_HTTP_TOKEN: 401 without the bearer token, 200 with it")
    func token() async throws {
        let (child, port) = try await startWorker(
            "clean", ["--blocking-timeout", "0"], environment: ["MODE_HTTP_TOKEN": "t0ken"])
        let missing = try await HTTPTestAnswer.get("/healthz", port: port)
        #expect(missing.status == 401, "\(missing)")
        let right = try await HTTPTestAnswer.get("/healthz", port: port, headers: ["Authorization: Bearer t0ken"])
        #expect(right.status == 200)
        #expect(right.body == "ok (stall watchdog off)\n")
        try await stop(child)
    }

    @Test("a non-loopback --http-host without MODE_HTTP_TOKEN: no listener, and the log says why")
    func nonLoopbackNeedsAToken() async throws {
        let child = try ChildWorker("clean", ["--no-console", "--http-port", "0", "--http-host", "0.0.0.0"])
        let output = try await child.waitFor("HTTP endpoint is off")
        #expect(output.contains("--http-host 0.0.0.0 is not a loopback address and MODE_HTTP_TOKEN is not set"))
        try await child.waitFor("[^--PageViewCache]: Starting...")
        #expect(!child.output.contains("HTTP endpoint listening"))
        try await stop(child)
    }

    @Test("a non-loopback --http-host with MODE_HTTP_TOKEN: listens, with a loud warning")
    func nonLoopbackWithATokenWarns() async throws {
        let child = try ChildWorker(
            "clean", ["--no-console", "--http-port", "0", "--http-host", "0.0.0.0"],
            environment: ["MODE_HTTP_TOKEN": "t0ken"])
        let output = try await child.waitFor("HTTP endpoint listening on 0.0.0.0:")
        #expect(output.contains("WARNING: the HTTP endpoint listens on 0.0.0.0:"))
        try await stop(child)
    }
}
