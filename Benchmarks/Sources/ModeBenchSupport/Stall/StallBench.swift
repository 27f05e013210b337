import CModeBenchSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The stall suite of `mode-compare`: real Workers in child processes (``StallBenchChild``, the same executable
/// re-executed with `--stall-child`) block an executor thread on command, and the parent measures, on the clock
/// both share (CLOCK_MONOTONIC), when each `Blocking detected` record reaches it; plus resident memory with and
/// without the watchdog, Worker start-up, console `stacks` and SIGUSR1 dump latency, and false alarms under a
/// busy-but-yielding load.
///
/// ```swift
/// let results = StallBench(executable: "/proc/self/exe path", quick: false).run { print($0) }
/// print(results.first.complete)
/// ```
public struct StallBench: Sendable {
    /// Report delays of a set of blocks, milliseconds from the block's start.
    public struct Delays: Sendable {
        /// To the first record of the report (the whole report, or its core part when split).
        public var firstRecord: [Double] = []
        /// To the complete report (the single record, or the symbolicated part).
        public var complete: [Double] = []
        /// The same as ``complete``, from the record's own timestamp (ms resolution, wall clock) instead of the
        /// time the parent read it.
        public var completeByTimestamp: [Double] = []
        /// `busy for` figures of the reports, ms.
        public var busy: [Int] = []
        /// Reports logged in two parts (core, then symbolicated).
        public var split = 0
        /// Reports naming the benchmark's service and task.
        public var attributed = 0
        /// `Blocking ended … was busy for` figures (`mode.stall.total_ms`), ms.
        public var totals: [Int] = []
        /// Child logs kept because the first record of a report came more than 1.5 s after the block began.
        public var outlierLogs: [String] = []
    }

    /// Everything the suite measured.
    public struct Results: Sendable {
        /// The blocking timeout of the report measurements, seconds.
        public var timeout = 0.5
        /// The block length, ms.
        public var blockMilliseconds = 600
        /// First reports of fresh processes.
        public var first = Delays()
        /// First reports of fresh processes that block only once idle (RSS settled: the symbolication warm-up
        /// started by the watchdog is over).
        public var firstAfterIdle = Delays()
        /// Later reports in one running process (distinct sites, so rate limiting does not apply).
        public var later = Delays()
        /// Worker start (`Worker.run()` called) to serving (`onStarted` of the service), ms, watchdog off / on.
        public var startOff: [Double] = []
        /// See ``startOff``.
        public var startOn: [Double] = []
        /// RSS at idle, KiB, watchdog off / on (console on, threads padded).
        public var idleOffKiB = 0
        /// See ``idleOffKiB``.
        public var idleOnKiB = 0
        /// RSS after the `stacks` calls only, watchdog off, KiB.
        public var afterOffKiB = 0
        /// RSS after the stall reports and the `stacks` calls, watchdog on, KiB.
        public var afterOnKiB = 0
        /// Stall reports and `stacks` calls made before ``afterOnKiB``.
        public var reportsMade = 0
        public var stacksMade = 0
        /// Threads in the process that answered `stacks`.
        public var threads = 0
        /// `stacks` latency, ms: first call, later calls (watchdog on); and with the watchdog off.
        public var stacksFirst: Double = .nan
        public var stacksLater: [Double] = []
        public var stacksOffFirst: Double = .nan
        public var stacksOffLater: [Double] = []
        /// SIGUSR1 → dump record in the log, ms; and the dump's own capture + symbolication time, ms.
        public var usr1: [Double] = []
        public var usr1Own: [Double] = []
        /// Busy-but-yielding load: seconds, jobs run, reports logged.
        public var yieldSeconds = 15.0
        public var yieldJobs = 0
        public var yieldReports = -1
        /// What went wrong (a wait that timed out, …).
        public var errors: [String] = []
    }

    let executable: String
    let quick: Bool

    /// - Parameters:
    ///   - executable: the program to re-execute with `--stall-child` (mode-compare itself).
    ///   - quick: fewer processes, reports and calls.
    public init(executable: String, quick: Bool) {
        self.executable = executable
        self.quick = quick
    }

    /// Runs every measurement; `progress` receives one line per phase.
    public func run(progress: (String) -> Void) -> Results {
        var results = Results()
        let freshProcesses = quick ? 6 : 25
        let offProcesses = quick ? 4 : 12
        let reports = quick ? 20 : 100
        let stacks = quick ? 20 : 100
        results.yieldSeconds = quick ? 5 : 15

        progress("stall suite: first reports of \(freshProcesses) fresh processes ...")
        for index in 0..<freshProcesses {
            do {
                let child = try spawn(timeout: results.timeout)
                defer { child.stop() }
                results.startOn.append(try startMilliseconds(child))
                try measureBlock(child, site: 0, milliseconds: results.blockMilliseconds, into: &results.first)
            } catch {
                results.errors.append("fresh process \(index): \(error)")
            }
        }

        let idleProcesses = quick ? 3 : 10
        progress("stall suite: first reports of \(idleProcesses) fresh processes blocking once idle ...")
        for index in 0..<idleProcesses {
            do {
                let child = try spawn(timeout: results.timeout)
                defer { child.stop() }
                _ = try child.waitForEvent("serving")
                _ = child.settledResidentKiB()
                try measureBlock(child, site: 0, milliseconds: results.blockMilliseconds, into: &results.firstAfterIdle)
            } catch {
                results.errors.append("fresh idle process \(index): \(error)")
            }
        }

        progress("stall suite: start-up without the watchdog (\(offProcesses) processes) ...")
        for index in 0..<offProcesses {
            do {
                let child = try spawn(timeout: 0)
                defer { child.stop() }
                results.startOff.append(try startMilliseconds(child))
            } catch {
                results.errors.append("start-up process \(index): \(error)")
            }
        }

        progress("stall suite: memory and stacks without the watchdog ...")
        do {
            let child = try spawn(timeout: 0, console: true)
            defer { child.stop() }
            let (console, _) = try connect(child)
            results.idleOffKiB = child.settledResidentKiB()
            results.stacksOffFirst = try stacksMilliseconds(console)
            for _ in 1..<stacks { results.stacksOffLater.append(try stacksMilliseconds(console)) }
            results.afterOffKiB = child.settledResidentKiB()
        } catch {
            results.errors.append("watchdog-off process: \(error)")
        }

        progress("stall suite: \(reports) later reports, \(stacks) stacks, memory, with the watchdog ...")
        do {
            let child = try spawn(timeout: results.timeout, console: true)
            defer { child.stop() }
            let (console, threads) = try connect(child)
            results.threads = threads
            results.idleOnKiB = child.settledResidentKiB()
            results.stacksFirst = try stacksMilliseconds(console)
            results.stacksMade = 1
            for _ in 0..<3 {
                let (delay, own) = try usr1Dump(child)
                results.usr1.append(delay)
                if let own { results.usr1Own.append(own) }
            }
            // The first block's report is the process's first: not counted as a later report.
            var warm = Delays()
            try measureBlock(child, site: 127, milliseconds: results.blockMilliseconds, into: &warm)
            results.reportsMade = 1
            for site in 1..<reports {
                try measureBlock(child, site: site, milliseconds: results.blockMilliseconds, into: &results.later)
                results.reportsMade += 1
            }
            for _ in 1..<stacks {
                results.stacksLater.append(try stacksMilliseconds(console))
                results.stacksMade += 1
            }
            results.afterOnKiB = child.settledResidentKiB()
        } catch {
            results.errors.append("watchdog-on process: \(error)")
        }

        progress("stall suite: \(Int(results.yieldSeconds)) s of busy-but-yielding load at T = 0.2 s ...")
        do {
            let child = try spawn(timeout: 0.2)
            defer { child.stop() }
            _ = try child.waitForEvent("serving")
            let from = child.lines.count
            child.send("yield-load \(results.yieldSeconds) 4")
            let (_, fields) = try child.waitForEvent("yield-load-done", after: from, timeout: results.yieldSeconds + 120)
            results.yieldJobs = Int(fields.last ?? "") ?? 0
            // A report is due 1.1 × T after its job started: give the last possible one time to arrive.
            usleep(500_000)
            results.yieldReports = child.lines[from...].compactMap(StallBenchRecord.init).filter(\.isStallReport).count
        } catch {
            results.errors.append("busy-but-yielding process: \(error)")
        }
        return results
    }

    /// The console's `ps` in a real Worker (watchdog on: its per-task figures are read for every task) with
    /// `tasks` live tasks: medians of 20 calls after a first one, ms, from the command sent to the answer's first
    /// byte (the server's time: the console writes an answer once it is built) and to its last byte (the whole
    /// answer read over loopback TCP), and the lines of the answer.
    public func consolePsMilliseconds(tasks: Int) throws -> (server: Double, complete: Double, lines: Int) {
        let child = try spawn(timeout: 10, console: true)
        defer { child.stop() }
        let (console, _) = try connect(child)
        let from = child.lines.count
        child.send("spawn-tasks \(tasks)")
        _ = try child.waitForEvent("spawned", after: from, timeout: 120)
        var answer = ""
        var complete: [Double] = []
        var server: [Double] = []
        for call in 0..<21 {
            let timed = try console.timedCommand("ps")
            answer = timed.answer
            if call > 0 {
                complete.append(Double(timed.nanoseconds) / 1e6)
                server.append(Double(timed.firstByteNanoseconds) / 1e6)
            }
        }
        guard answer.contains("parked-\(tasks - 1)") else {
            throw ConsoleLineClient.Failure(description: "ps does not list every task: \(answer.prefix(200))")
        }
        complete.sort()
        server.sort()
        return (server[server.count / 2], complete[complete.count / 2], answer.utf8.reduce(0) { $1 == 10 ? $0 + 1 : $0 })
    }

    func spawn(timeout: Double, console: Bool = false) throws -> BenchChildProcess {
        var arguments = ["--stall-child", "--timeout", "\(timeout)"]
        if console { arguments += ["--console", "--threads", "25"] }
        return try BenchChildProcess(executable: executable, arguments: arguments)
    }

    /// `Worker.run()` called → the service's `onStarted`, ms (both stamped in the child).
    func startMilliseconds(_ child: BenchChildProcess) throws -> Double {
        let start = try child.waitForEvent("worker-start")
        let serving = try child.waitForEvent("serving")
        guard let from = UInt64(start.fields[0]), let to = UInt64(serving.fields[0]) else { return .nan }
        return Double(to &- from) / 1e6
    }

    /// Waits for the padded threads and the console's port (from its log line); connects.
    func connect(_ child: BenchChildProcess) throws -> (ConsoleLineClient, threads: Int) {
        let threads = Int(try child.waitForEvent("threads").fields.last ?? "") ?? 0
        let port = try child.wait(for: "the console's port", timeout: 60) { lines -> Int? in
            for record in lines.compactMap(StallBenchRecord.init) where record.message.hasPrefix("Debug console listening") {
                // "… (telnet 127.0.0.1 PORT)"
                let words = record.message.split(separator: " ")
                if let last = words.last, let port = Int(last.trimmingCharacters(in: CharacterSet(charactersIn: ")"))) {
                    return port
                }
            }
            return nil
        }
        return (try ConsoleLineClient(port: port), threads)
    }

    func stacksMilliseconds(_ console: ConsoleLineClient) throws -> Double {
        let (answer, nanoseconds) = try console.command("stacks")
        guard answer.contains("thread dump") || answer.contains("--- thread") else {
            throw ConsoleLineClient.Failure(description: "unexpected stacks answer: \(answer.prefix(200))")
        }
        return Double(nanoseconds) / 1e6
    }

    /// SIGUSR1 → the dump's log record reaches the parent, ms; and the dump's own capture+symbolication, ms.
    func usr1Dump(_ child: BenchChildProcess) throws -> (delay: Double, own: Double?) {
        let from = child.lines.count
        let sent = c_mode_bench_monotonic_ns()
        child.signal(SIGUSR1)
        let record = try child.wait(for: "the SIGUSR1 dump", timeout: 60) { lines in
            lines[from...].lazy.compactMap(StallBenchRecord.init).first { $0.message.hasPrefix("Thread dump (SIGUSR1)") }
        }
        // "pid: N reason: SIGUSR1 threads: N capture: X us symbolication: Y us"
        let words = record.message.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        func value(after key: String) -> Double? { words.firstIndex(of: key).flatMap { Double(words[$0 + 1]) } }
        let own = value(after: "capture:").flatMap { capture in value(after: "symbolication:").map { (capture + $0) / 1e3 } }
        return (Double(record.arrivalNanoseconds &- sent) / 1e6, own)
    }

    /// Blocks an executor thread once at `site` and waits for the complete report and its end line.
    func measureBlock(_ child: BenchChildProcess, site: Int, milliseconds: Int, into delays: inout Delays) throws {
        let from = child.lines.count
        child.send("block \(site) \(milliseconds)")
        // fields: monotonic-at-emit, site, realtime ns, monotonic start ns
        let (_, fields) = try child.waitForEvent("block-start", after: from, timeout: 60)
        guard fields.count >= 4, let realtime = Double(fields[2]), let start = UInt64(fields[3]) else {
            throw ConsoleLineClient.Failure(description: "bad block-start line: \(fields)")
        }
        struct Seen { var first: StallBenchRecord?; var complete: StallBenchRecord?; var end: StallBenchRecord?; var split = false }
        let seen = try child.wait(for: "the report of the block at site \(site)", timeout: 60) { lines -> Seen? in
            var seen = Seen()
            for record in lines[from...].compactMap(StallBenchRecord.init) {
                if record.isStallReport {
                    if seen.first == nil { seen.first = record }
                    guard record.reportID == seen.first?.reportID else { continue }
                    switch record.metadata["mode.stall.part"] {
                    case "core": seen.split = true
                    default: seen.complete = record
                    }
                } else if record.isStallEnd, record.reportID != nil, record.reportID == seen.first?.reportID {
                    seen.end = record
                }
            }
            return seen.end != nil && seen.complete != nil ? seen : nil
        }
        _ = try child.waitForEvent("block-end", after: from, timeout: 60)
        guard let first = seen.first, let complete = seen.complete else { return }
        delays.firstRecord.append(Double(first.arrivalNanoseconds &- start) / 1e6)
        delays.complete.append(Double(complete.arrivalNanoseconds &- start) / 1e6)
        if let stamp = complete.epochMilliseconds { delays.completeByTimestamp.append(stamp - realtime / 1e6) }
        if let busy = first.metadata["mode.stall.busy_ms"].flatMap({ Int($0) }) { delays.busy.append(busy) }
        if seen.split { delays.split += 1 }
        if let total = seen.end?.metadata["mode.stall.total_ms"].flatMap({ Int($0) }) { delays.totals.append(total) }
        if first.arrivalNanoseconds &- start > 1_500_000_000 {
            let path = NSTemporaryDirectory() + "stallbench-late-\(child.pid)-site\(site).log"
            let text = child.lines.map { "\($0.arrivalNanoseconds) \($0.stream) \($0.text)" }.joined(separator: "\n")
            if (try? text.write(toFile: path, atomically: true, encoding: .utf8)) != nil { delays.outlierLogs.append(path) }
        }
        if complete.metadata["mode.task"] == "stall-bench", complete.metadata["mode.service"] == "Worker/StallBenchService" {
            delays.attributed += 1
        }
    }
}
