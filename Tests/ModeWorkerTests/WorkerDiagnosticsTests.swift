import Foundation
import Testing

/// Stall reports and thread dumps of a real Worker process.
@Suite("Worker diagnostics", .serialized)
struct WorkerDiagnosticsTests {
    @Test("a service blocking in a named function is reported with function, file:line, service and task")
    func stallReport() async throws {
        let child = try ChildWorker("stall", ["--no-console", "--blocking-timeout", "0.5"])
        let output = try await child.waitFor("Blocking ended:")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0)
        // On a loaded machine another job can also be starved past the timeout and be reported: look for the
        // report of the blocking call.
        let reports = output.components(separatedBy: "Blocking detected:").dropFirst()
        let report = try #require(reports.first { $0.contains("blockingWork(seconds:)") }, "\(output)")
        #expect(report.contains("service: Worker/AppService/BlockingService"), "\(report)")
        #expect(report.contains("task: block-once"))
        #expect(report.contains("created at: ModeWorkerFixture/Scenario.swift:"))
        #expect(report.range(of: #"blockingWork\(seconds:\) at .*Scenario\.swift:\d+"#, options: .regularExpression) != nil)
        #expect(report.range(of: #"\[ModeWorkerFixture\+0x[0-9a-f]+\]"#, options: .regularExpression) != nil)
        // The default instrumentation (hooks): service code runs on Swift's global pool, timed per job.
        #expect(report.contains("executor: global-pool"), "\(report)")
        #expect(output.range(of: #"Blocking ended: thread .+ \(tid \d+\) was busy for 2\.\d\d s"#,
                             options: .regularExpression) != nil, "\(output)")
        #expect(!output.contains("Global-pool instrumentation is off"), "the self-check passed on this runtime")
    }

    @Test("--executor-instrumentation executor: service tasks run and are timed on the Worker's own executor")
    func executorInstrumentation() async throws {
        let child = try ChildWorker(
            "stall", ["--no-console", "--blocking-timeout", "0.5", "--executor-instrumentation", "executor"])
        let output = try await child.waitForOutput("the service's stall report") { output in
            output.components(separatedBy: "Blocking detected:").contains { $0.contains("blockingWork(seconds:)") }
        }
        child.signal(SIGTERM)
        _ = try await child.waitForExit()
        let report = try #require(
            output.components(separatedBy: "Blocking detected:").first { $0.contains("blockingWork(seconds:)") })
        #expect(report.contains("executor: task-executor"), "\(report)")
        #expect(report.contains("thread mode-exec-"), "\(report)")
        #expect(report.contains("service: Worker/AppService/BlockingService"))
    }

    @Test("--executor-instrumentation off: no job is timed, the blocked service task is not reported")
    func noInstrumentation() async throws {
        let child = try ChildWorker(
            "stall", ["--no-console", "--blocking-timeout", "0.5", "--executor-instrumentation", "off"])
        // The block lasts 2 s, four timeouts: with job timing it is reported long before it ends.
        let output = try await child.waitFor("Done blocking")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0)
        #expect(!output.contains("blockingWork(seconds:)"), "\(output)")
        #expect(!output.contains("executor: global-pool") && !output.contains("executor: task-executor"))
    }

    @Test("a blocked SwiftNIO event loop is reported for that loop only")
    func blockedEventLoop() async throws {
        let child = try ChildWorker("nio-stall", ["--no-console", "--blocking-timeout", "0.5"])
        // The report may come in two records (a core part on time, then the symbolicated part): wait for the
        // record that names the function.
        let output = try await child.waitForOutput("the loop's stall report") { output in
            output.components(separatedBy: "Blocking detected:").contains {
                $0.contains("fixture-nio-loop-0") && $0.contains("blockingWork(seconds:)")
            }
        }
        child.signal(SIGTERM)
        _ = try await child.waitForExit()
        let reports = output.components(separatedBy: "Blocking detected:").dropFirst()
        let report = try #require(reports.first { $0.contains("fixture-nio-loop-0") && $0.contains("blockingWork") })
        #expect(report.contains("NIO-ELT"), "the loop's own thread: \(report)")
        #expect(report.contains("blockingWork(seconds:)"))
        #expect(
            reports.allSatisfy { !$0.contains("blockingWork") || $0.contains("fixture-nio-loop-0") },
            "the blocking call is reported for the loop only")
    }

    @Test("SIGUSR1 dumps threads, tasks and services while the process keeps running")
    func threadDump() async throws {
        let child = try ChildWorker("block-until-dumped", ["--no-console", "--blocking-timeout", "0"])
        try await child.waitFor("About to block")
        // The first dump may catch the task still writing "About to block"; the second, sent once the first is
        // in the log, catches it in blockUntilDumped (which returns after two dumps).
        child.signal(SIGUSR1)
        _ = try await child.waitForOutput("the first dump") { $0.contains("DumpTarget [running]") }
        child.signal(SIGUSR1)
        let output = try await child.waitForOutput("the second dump") {
            $0.components(separatedBy: "Thread dump (SIGUSR1)").count == 3
                && $0.components(separatedBy: "DumpTarget [running]").count == 3
        }
        let secondDump = output.components(separatedBy: "Thread dump (SIGUSR1)").last ?? ""
        #expect(secondDump.contains("blockUntilDumped()"), "\(secondDump)")
        #expect(output.contains("Worker/AppService/DumpTarget:"))
        #expect(output.contains("wait-for-dump [task]"))
        // The dump's task list: by service, with async stacks of the tasks no thread runs.
        #expect(output.contains("--- tasks (by service; async stacks of the tasks no thread runs, innermost first)"))
        #expect(output.contains("=== swift-mode thread dump begin ==="))
        #expect(output.range(of: #"--- thread \d+ ""#, options: .regularExpression) != nil)
        try await child.waitFor("Done blocking")
        child.signal(SIGTERM)
        let exit = try await child.waitForExit()
        #expect(exit.status == 0, "\(exit)")
    }
}

/// Crashes and supervision through a real Worker.
@Suite("Worker crashes and supervision", .serialized)
struct WorkerCrashTests {
    @Test("a force-unwrap of nil: the log file has the report with function, service and task; exit by SIGILL")
    func forceUnwrapCrash() async throws {
        let path = ChildWorker.temporaryPath("crash")
        let child = try ChildWorker(
            "crash-unwrap", ["--no-console", "--logfile", path], environment: ["SWIFT_BACKTRACE": "enable=yes,interactive=no"])
        let exit = try await child.waitForExit()
        #expect(exit.signalled && exit.status == SIGILL, "\(exit)")
        let log = try String(contentsOfFile: path, encoding: .utf8)
        #expect(log.contains("About to crash"))
        #expect(log.contains("=== swift-mode crash report begin ==="))
        #expect(log.contains("CRASH: signal SIGILL (illegal instruction)"))
        #expect(log.contains("Worker/AppService/Crasher"), "\(log)")
        #expect(log.contains("crash-soon"))
        #expect(log.contains("crashingWork("))
        #expect(log.range(of: #"Scenario\.swift:\d+"#, options: .regularExpression) != nil)
        #expect(log.contains("Unexpectedly found nil"))
        #expect(log.contains("AppService [running]"), "the service tree section")
        // The Swift runtime's own backtrace still appears on stderr after ours.
        #expect(child.output.contains("Crash"), "\(child.output.prefix(2000))")
    }

    @Test("a crash report written while four tasks log heavily into the same file is never interleaved")
    func crashReportNotInterleaved() async throws {
        let path = ChildWorker.temporaryPath("chatty-crash")
        let child = try ChildWorker("chatty-crash", ["--no-console", "--logfile", path])
        let exit = try await child.waitForExit()
        #expect(exit.signalled && exit.status == SIGILL, "\(exit)")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.filter { $0.contains("chatter ") }.count > 100, "the chatter ran")
        var inside = false
        var blocks = 0
        for line in lines {
            if line.hasPrefix("=== swift-mode crash report") && line.hasSuffix("begin ===") {
                inside = true
                blocks += 1
            } else if line.hasPrefix("=== swift-mode crash report") && line.hasSuffix("end ===") {
                inside = false
            } else if inside {
                // The report quotes the last log lines itself, indented; a record at column 0 would be an intruder.
                #expect(!line.hasPrefix("["), "a log record inside the crash report: \(line)")
            }
            // Every record is whole: a chatter line always ends with its 200 x's.
            if line.contains("chatter ") { #expect(line.hasSuffix(String(repeating: "x", count: 200)), "\(line)") }
        }
        #expect(blocks >= 1)
        #expect(!inside, "the report's end marker is there")
    }

    @Test("a supervisor restarts a crashing service with backoff, then gives up: Max restarts exceeded, exit 1")
    func supervisedGivesUp() async throws {
        let child = try ChildWorker("supervised", ["--no-console"])
        let exit = try await child.waitForExit()
        #expect(exit.status == 1 && !exit.signalled, "\(exit)\n\(child.output)")
        #expect(child.output.contains("Max restarts exceeded"), "\(child.output)")
        #expect(child.output.contains("Restarting"))
        #expect(child.output.contains("We experienced a crash!"))
    }
}
