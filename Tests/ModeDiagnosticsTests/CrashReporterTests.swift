import Foundation
import ModeDiagnostics
import Testing

@Suite("CrashReporter (child processes)")
struct CrashReporterTests {
    private func crash(_ scenario: String, _ extra: [String] = [], environment: [String: String] = [:]) throws
        -> (ChildProcess.Exit, String)
    {
        let log = ChildProcess.temporaryFile(scenario)
        let child = try ChildProcess([scenario, log] + extra, environment: environment)
        let exit = child.wait()
        return (exit, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    private func block(_ text: String, _ begin: String, _ end: String) -> String? {
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.lowerBound..<stop.upperBound])
    }

    @Test("force-unwrapping nil dies of SIGILL with a report naming the function and the runtime message")
    func forceUnwrapNil() throws {
        let (exit, log) = try crash("crash-nil")
        #expect(exit.signal == SIGILL, "\(exit)")
        let core = try #require(block(log, "=== swift-mode crash report begin ===", "=== swift-mode crash report end ==="))
        #expect(core.contains("CRASH: signal SIGILL (illegal instruction) at 0x"))
        #expect(core.contains("Unexpectedly found nil while unwrapping an Optional value"))
        #expect(core.contains("ModeDiagnosticsFixture+0x"))
        #expect(core.contains("unwinder: libunwind"))
        let rich = try #require(
            block(log, "=== swift-mode crash report (symbolicated) begin ===",
                  "=== swift-mode crash report (symbolicated) end ==="))
        #expect(rich.contains("fixtureForceUnwrapNil"))
        #expect(rich.contains("Scenario+Crash.swift:"))
        #expect(rich.contains("--- fixture section"))
        // The same report went to stderr too.
        #expect(exit.stderr.contains("=== swift-mode crash report begin ==="))
    }

    @Test("the report names the task (and its label) running on the crashing thread")
    func taskLabel() throws {
        let (exit, log) = try crash("crash-labelled")
        #expect(exit.signal == SIGILL, "\(exit)")
        #expect(log.contains("task: 0x5eed1234 \"App/poll task poll (App.swift:42)\""), "\(log.prefix(600))")
    }

    @Test("abort() dies of SIGABRT with a report")
    func abortSignal() throws {
        let (exit, log) = try crash("crash-abort")
        #expect(exit.signal == SIGABRT, "\(exit)")
        #expect(log.contains("CRASH: signal SIGABRT (abort)"))
        #expect(log.contains("fixtureAbort"))
    }

    @Test("a bad pointer write dies of SIGSEGV with the fault address")
    func badPointer() throws {
        let (exit, log) = try crash("crash-segv")
        #expect(exit.signal == SIGSEGV, "\(exit)")
        #expect(log.contains("CRASH: signal SIGSEGV (segmentation fault) at 0x10"))
        #expect(log.contains("fixtureBadPointerWrite"))
    }

    @Test("a stack overflow on a non-main thread still produces a report (alternate signal stack)")
    func stackOverflowOnThread() throws {
        let (exit, log) = try crash("crash-overflow")
        #expect(exit.signal == SIGSEGV, "\(exit)")
        let core = try #require(block(log, "=== swift-mode crash report begin ===", "=== swift-mode crash report end ==="))
        #expect(core.contains("thread: \"overflow-thread\""))
        #expect(log.contains("fixtureRecurse"))
    }

    @Test("a report written while other threads log heavily is not interleaved")
    func notInterleaved() throws {
        let (exit, log) = try crash("crash-interleave")
        #expect(exit.signal == SIGILL, "\(exit)")
        #expect(log.contains("LOGLINE"))
        let begin = try #require(log.range(of: "=== swift-mode crash report begin ==="))
        let end = try #require(log.range(of: "=== swift-mode crash report (symbolicated) end ===", options: .backwards))
        #expect(begin.lowerBound < end.lowerBound)
        let report = log[begin.lowerBound..<end.upperBound]
        #expect(!report.contains("LOGLINE"))
        // Every log line outside the report is whole.
        for line in log.split(separator: "\n") where line.hasPrefix("LOGLINE") {
            #expect(line.hasSuffix(String(repeating: "x", count: 100)))
        }
    }

    @Test("JSON format: two records that decode as CrashReportRecord")
    func jsonFormat() throws {
        let (exit, log) = try crash("crash-nil", ["json"])
        #expect(exit.signal == SIGILL, "\(exit)")
        let records = try log.split(separator: "\n").map {
            try JSONDecoder().decode(CrashReportRecord.self, from: Data($0.utf8))
        }
        #expect(records.map(\.crash.part) == ["core", "symbolicated"])
        #expect(records.allSatisfy { $0.crash.signal == "SIGILL" && $0.level == "critical" })
        #expect(records[0].crash.fatalError?.contains("Unexpectedly found nil") == true)
        #expect(records[0].crash.frames.allSatisfy { $0.module == nil || $0.moduleOffset != nil })
        #expect(records[1].crash.frames.contains { $0.symbol?.contains("fixtureForceUnwrapNil") == true })
        #expect(records[1].crash.sections?.first?.title == "fixture section")
    }

    @Test("with the Swift runtime backtracer enabled the process still dies of the original signal")
    func runtimeBacktracerChained() throws {
        let (exit, log) = try crash("crash-segv", environment: ["SWIFT_BACKTRACE": "enable=yes,interactive=no"])
        #expect(exit.signal == SIGSEGV, "\(exit)")
        #expect(log.contains("CRASH: signal SIGSEGV"))
        // Our report first, then the runtime's own backtrace on stderr.
        let ours = try #require(exit.stderr.range(of: "=== swift-mode crash report end ==="))
        let runtime = try #require(exit.stderr.range(of: "Program crashed"))
        #expect(ours.lowerBound < runtime.lowerBound)
    }
}

@Suite("Offline symbolication contract")
struct OfflineSymbolicationTests {
    @Test("a crash report's module+offset resolves with llvm-symbolizer against the binary (mode-symbolicate's input)")
    func moduleOffsetResolvesOffline() throws {
        let symbolizer = "/opt/swift/usr/bin/llvm-symbolizer"
        guard FileManager.default.isExecutableFile(atPath: symbolizer) else { return }
        let log = ChildProcess.temporaryFile("offline")
        let exit = try ChildProcess(["crash-nil", log, "json"]).wait()
        #expect(exit.signal == SIGILL, "\(exit)")
        let line = try #require(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").first)
        let core = try JSONDecoder().decode(CrashReportRecord.self, from: Data(line.utf8)).crash
        let frame = try #require(core.frames.first { $0.module == "ModeDiagnosticsFixture" })
        let offset = try #require(frame.moduleOffset)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: symbolizer)
        process.arguments = ["--obj=\(ChildProcess.fixtureURL.path)", "0x" + String(offset - 1, radix: 16)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("fixtureForceUnwrapNil"), "\(text)")
        #expect(text.contains("Scenario+Crash.swift:"))
    }
}

@Suite("Crash reports: repeated frames and thread names (child processes)")
struct CrashReportShapeTests {
    @Test("a stack overflow always has its symbolicated block, with the recursion collapsed (5 runs)")
    func stackOverflowSymbolicatedEveryTime() throws {
        for run in 1...5 {
            let log = ChildProcess.temporaryFile("overflow-\(run)")
            let exit = try ChildProcess(["crash-overflow", log]).wait()
            #expect(exit.signal == SIGSEGV, "run \(run): \(exit)")
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let begin = "=== swift-mode crash report (symbolicated) begin ==="
            let end = "=== swift-mode crash report (symbolicated) end ==="
            guard let start = text.range(of: begin), let stop = text.range(of: end) else {
                Issue.record("run \(run): no symbolicated block\n\(text.suffix(800))")
                continue
            }
            let block = text[start.upperBound..<stop.lowerBound]
            // One line for the run, naming the function and its source line; not 128 frame lines.
            #expect(block.contains(/… \d+ more frames of fixtureRecurse\(_:\) at .*Scenario\+Crash\.swift:\d+/),
                    "run \(run): \(block.prefix(1500))")
            #expect(block.split(separator: "\n").filter { $0.contains("fixtureRecurse") }.count < 10)
        }
    }

    @Test("a crash on a plain Thread started from an executor task names the thread as inherited")
    func inheritedThreadName() throws {
        let log = ChildProcess.temporaryFile("plain-thread")
        let exit = try ChildProcess(["crash-plain-thread", log]).wait()
        #expect(exit.signal == SIGILL, "\(exit)")
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // Both records: the async-signal-safe core and the symbolicated one.
        #expect(text.contains(/thread: "mode-exec-0" \(inherited name\) tid: \d+\n/), "\(text.prefix(600))")
        #expect(text.contains(/thread: "mode-exec-0" \(inherited name\) tid: \d+ pid:/))
    }
}
