import Foundation
import Testing

/// The Worker as a real process: signals, exit statuses, crash lines, options, log files.
@Suite("Worker process", .serialized)
struct WorkerProcessTests {
    @Test("SIGTERM stops the tree in mode's order and exits 0")
    func sigtermStopsCleanly() async throws {
        let child = try ChildWorker("clean", ["--no-console"])
        try await child.waitFor("[^--PageViewCache]: Starting...")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0 && !exit.signalled, "\(exit)\n\(child.output)")
        let stopLines = child.logLines.compactMap { line -> String? in
            guard let range = line.range(of: "]: [^") else { return nil }
            return String(line[line.index(range.lowerBound, offsetBy: 3)...])
        }.filter { $0.contains("Stopping") || $0.contains("-Stopped!") || $0.contains("Signal received") }
        #expect(
            stopLines == [
                "[^Worker]: Signal received: SIGTERM",
                "[^Worker]: Stopping on signal received... (SIGTERM)",
                "[^Worker]: Stopping...",
                "[^-AppService]: Stopping...",
                "[^--PageViewCache]: Stopping...",
                "[^--PageViewCache]: -Stopped!",
                "[^--Ticker]: Stopping...",
                "[^--Ticker]: -Stopped!",
                "[^-AppService]: -Stopped!",
                "[^Worker]: -Stopped!",
            ], "\(child.output)")
        // mode's exact text format: `[2018-03-27 15:47:12,159: INFO]: [^Worker]: Starting...`
        let first = try #require(child.logLines.first { $0.contains("[^Worker]: Starting...") })
        #expect(first.range(of: #"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: INFO\]: \[\^Worker\]: Starting\.\.\.$"#,
                            options: .regularExpression) != nil, "\(first)")
    }

    @Test("a second SIGINT during a stuck shutdown forces exit with 130, after mode's -INT- banner")
    func secondSigintForcesExit() async throws {
        let child = try ChildWorker("slow-stop", ["--no-console"])
        try await child.waitFor("[^--SlowStop]: Starting...")
        child.signal(SIGINT)
        try await child.waitFor("[^--SlowStop]: Stopping...")
        child.signal(SIGINT)
        let exit = try await child.waitForExit()
        #expect(exit.status == 130 && !exit.signalled, "\(exit)\n\(child.output)")
        #expect(child.output.contains("-INT- -INT- -INT- -INT- -INT- -INT-"))
        #expect(child.output.contains("Signal received during shutdown: SIGINT; forcing exit with status 130"))
    }

    @Test("--quiet suppresses the -INT- banner")
    func quietHasNoBanner() async throws {
        let child = try ChildWorker("clean", ["--no-console", "--quiet"])
        try await child.waitFor("[^--PageViewCache]: Starting...")
        child.signal(SIGINT)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0)
        #expect(!child.output.contains("-INT-"))
        #expect(child.output.contains("Signal received: SIGINT"))
    }

    @Test("a service whose onStart throws: exit 1, the error and 'We experienced a crash!' logged")
    func startFailureExitsOne() async throws {
        let child = try ChildWorker("start-fail", ["--no-console"])
        let exit = try await child.waitForExit()
        #expect(exit.status == 1 && !exit.signalled, "\(exit)\n\(child.output)")
        let crash = try #require(child.logLines.first { $0.contains("We experienced a crash!") }, "\(child.output)")
        #expect(crash.contains("CRITICAL"))
        #expect(crash.contains("Worker/AppService/FailingStart failed to start"))
        #expect(crash.contains("database unreachable (injected by the fixture)"))
        // What had started is stopped again.
        #expect(child.output.contains("[^--Ticker]: -Stopped!"))
    }

    @Test("a crash in a background task: exit 1, the crash names service, task and creation site")
    func backgroundCrashExitsOne() async throws {
        let child = try ChildWorker("background-crash", ["--no-console"])
        let exit = try await child.waitForExit()
        #expect(exit.status == 1 && !exit.signalled, "\(exit)\n\(child.output)")
        let error = try #require(child.logLines.first { $0.contains("ERROR]: [^--CrashingTask]: Crashed reason=") })
        #expect(error.contains("task 'consume'"))
        #expect(error.contains("created at ModeWorkerFixture/Scenario.swift:"))
        #expect(error.contains("queue consumer failed (injected by the fixture)"))
        let final = try #require(child.logLines.first { $0.contains("We experienced a crash!") })
        #expect(final.contains("Worker/AppService/CrashingTask crashed first"))
        // The crash line comes before the stop sequence.
        let crashIndex = try #require(child.logLines.firstIndex { $0.contains("We experienced a crash!") })
        let stopIndex = try #require(child.logLines.firstIndex { $0.contains("[^Worker]: Stopping...") })
        #expect(crashIndex < stopIndex)
    }

    @Test("--loglevel nonsense: exit 64 with a one-line error")
    func badLogLevel() async throws {
        let child = try ChildWorker("clean", ["--loglevel", "nonsense"])
        let exit = try await child.waitForExit()
        #expect(exit.status == 64)
        let lines = child.output.split(separator: "\n")
        #expect(lines.count == 1, "\(child.output)")
        #expect(lines.first?.contains("--loglevel") == true)
        #expect(lines.first?.contains("nonsense") == true)
    }

    @Test("a bad MODE_ environment variable is named in the error")
    func badEnvironment() async throws {
        let child = try ChildWorker("clean", [], environment: ["MODE_SHUTDOWN_TIMEOUT": "soon"])
        let exit = try await child.waitForExit()
        #expect(exit.status == 64)
        #expect(child.output.contains("MODE_SHUTDOWN_TIMEOUT"), "\(child.output)")
    }

    @Test("--log-format json writes one valid JSON object per line")
    func jsonLines() async throws {
        let child = try ChildWorker("clean", ["--no-console", "--log-format", "json"])
        try await child.waitForOutput("the last child started") { $0.contains("\"service\":\"Worker/AppService/PageViewCache\"") || $0.contains("\"service\": \"Worker/AppService/PageViewCache\"") }
        child.signal(SIGTERM)
        _ = try await child.waitForExit()
        let lines = child.logLines.filter { !$0.isEmpty }
        #expect(lines.count >= 10)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["message"] is String, "not a log record: \(line)")
            #expect(object?["level"] is String)
        }
        let starting = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .first { ($0["message"] as? String) == "Starting..." && ($0["service"] as? String) == "Worker" }
        #expect(starting?["label"] as? String == "[^Worker]")
    }

    @Test("--logfile appends, and SIGHUP reopens it for logrotate")
    func logfileAppendsAndReopens() async throws {
        let path = ChildWorker.temporaryPath("worker")
        try "previous line\n".write(toFile: path, atomically: true, encoding: .utf8)
        let child = try ChildWorker("clean", ["--no-console", "--logfile", path])
        try await waitForFile(path) { $0.contains("[^--PageViewCache]: Starting...") }
        let rotated = path + ".1"
        try FileManager.default.moveItem(atPath: path, toPath: rotated)
        child.signal(SIGHUP)
        try await waitForFile(path) { $0.contains("Reopened the log file (SIGHUP)") }
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0)
        let old = try String(contentsOfFile: rotated, encoding: .utf8)
        let new = try String(contentsOfFile: path, encoding: .utf8)
        #expect(old.hasPrefix("previous line\n"))
        #expect(old.contains("[^Worker]: Starting..."))
        #expect(new.contains("[^Worker]: -Stopped!"))
        #expect(!old.contains("-Stopped!"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
    }

    @Test("a stop that outlives --shutdown-timeout names the stragglers and exits 1")
    func shutdownTimeout() async throws {
        let child = try ChildWorker("slow-stop", ["--no-console", "--shutdown-timeout", "1"])
        try await child.waitFor("[^--SlowStop]: Starting...")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 1, "\(exit)\n\(child.output)")
        #expect(child.output.contains("Shutdown timed out after 1.0 seconds (--shutdown-timeout); still stopping:"))
        #expect(child.output.contains("Worker/AppService/SlowStop (stopping)"))
        #expect(child.output.contains("hold-connection [task]"))
    }

    /// Polls a file for a condition, yielding between reads (files have no change notification here).
    func waitForFile(_ path: String, until predicate: (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), predicate(text) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(path)")
    }
}

@Suite("Run-once Worker and the worker shutdown hook (mode's daemon=False, on_worker_shutdown)")
struct WorkerRunOnceTests {
    @Test("daemon: false starts the tree, stops it and exits 0; the shutdown hook runs after the tree stopped")
    func runOnceExitsZero() async throws {
        let child = try ChildWorker("run-once", ["--no-console"])
        let exit = try await child.waitForExit()
        #expect(exit.status == 0 && !exit.signalled, "\(exit)\n\(child.output)")
        let output = child.output
        let work = try #require(output.range(of: "[^--OneShot]: one-shot: work done"), "\(output)")
        let stopped = try #require(output.range(of: "[^Worker]: -Stopped!"), "\(output)")
        let hook = try #require(output.range(of: "worker shutdown hook: exit 0 (stopped), tree shutdown"), "\(output)")
        #expect(work.upperBound < stopped.lowerBound && stopped.upperBound < hook.lowerBound)
        #expect(output.contains("[^--Ticker]: -Stopped!"))
        #expect(!output.contains("We experienced a crash"))
    }
}
