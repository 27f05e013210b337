import CModeBenchSupport
import Foundation
import ModeCore
import ModeWorker

#if canImport(Glibc)
import Glibc
#endif

/// The child side of the stall benchmark: a real ``Worker`` running one service whose task obeys commands read
/// from stdin, and prints what it does to stdout as `bench EVENT MONOTONIC_NS …` lines (CLOCK_MONOTONIC, shared
/// with the parent). The Worker logs JSON lines on stderr. `mode-compare` runs it by re-executing itself:
///
///     mode-compare --stall-child --timeout 0.5 [--console] [--threads 25]
///
/// Commands (one per line): `block SITE MS` blocks an executor thread for MS ms in blocking site SITE (see
/// `c_mode_bench_block_at_site`); `yield-load SECONDS TASKS` runs TASKS tasks of short jobs that `Task.yield()`
/// for SECONDS; `spawn-tasks N` starts N tasks of the service parked in a day-long sleep; `quit` (or EOF) stops
/// the Worker as SIGTERM does.
///
/// ```swift
/// if CommandLine.arguments.contains("--stall-child") { await StallBenchChild.run(arguments: CommandLine.arguments) }
/// ```
public enum StallBenchChild {
    /// Parses the child's flags, starts the Worker and never returns.
    public static func run(arguments: [String]) async -> Never {
        func value(_ flag: String) -> String? {
            guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
            return arguments[index + 1]
        }
        let timeout = Double(value("--timeout") ?? "0.5") ?? 0.5
        let threads = Int(value("--threads") ?? "0") ?? 0
        let options = ResolvedWorkerOptions(
            logFormat: .json, blockingTimeout: .milliseconds(Int64((timeout * 1000).rounded())),
            consoleEnabled: arguments.contains("--console"), consolePort: 0, quiet: true)
        let (commands, sink) = AsyncStream.makeStream(of: String.self)
        let reader = Thread {
            while let line = readLine() { sink.yield(line) }
            sink.finish()
        }
        reader.name = "bench-stdin"
        reader.start()
        let service = StallBenchService(commands: commands, paddingThreads: threads)
        emit("worker-start")
        await Worker(service, options: options).run()
    }

    /// Writes `bench EVENT MONOTONIC_NS FIELDS…` to stdout in one `write`.
    static func emit(_ event: String, _ fields: String...) {
        var line = "bench \(event) \(c_mode_bench_monotonic_ns())"
        for field in fields { line += " " + field }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { _ = write(1, $0.baseAddress, $0.count) }
    }
}

/// The benchmark's only service: one task that runs the commands read from stdin, one at a time.
final class StallBenchService: Service {
    let lifecycle = ServiceLifecycleState()
    let commands: AsyncStream<String>
    let paddingThreads: Int

    init(commands: AsyncStream<String>, paddingThreads: Int) {
        self.commands = commands
        self.paddingThreads = paddingThreads
    }

    var tasks: [ServiceTask] {
        [.task("stall-bench") {
            for await line in self.commands {
                await self.perform(line.split(separator: " ").map(String.init))
            }
            kill(getpid(), SIGTERM)
        }]
    }

    func onStarted() async throws {
        StallBenchChild.emit("serving")
        // Parked threads, so that `stacks` and the USR1 dump see as many threads as a real server (~25).
        while Self.threadCount() < paddingThreads {
            let thread = Thread { while true { Glibc.sleep(3600) } }
            thread.name = "bench-parked"
            thread.start()
            while thread.isExecuting == false { usleep(100) }
        }
        StallBenchChild.emit("threads", "\(Self.threadCount())")
    }

    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    func perform(_ words: [String]) async {
        switch words.first {
        case "block":
            let site = words.count > 1 ? Int32(words[1]) ?? 0 : 0
            let milliseconds = words.count > 2 ? UInt64(words[2]) ?? 600 : 600
            let start = c_mode_bench_monotonic_ns()
            StallBenchChild.emit("block-start", "\(site)", "\(c_mode_bench_realtime_ns())", "\(start)")
            c_mode_bench_block_at_site(site, start + milliseconds * 1_000_000)
            StallBenchChild.emit("block-end", "\(site)")
        case "yield-load":
            let seconds = words.count > 1 ? Double(words[1]) ?? 15 : 15
            let tasks = words.count > 2 ? Int(words[2]) ?? 4 : 4
            let jobs = await Self.yieldingLoad(seconds: seconds, tasks: tasks)
            StallBenchChild.emit("yield-load-done", "\(jobs)")
        case "spawn-tasks":
            // Parked tasks of this service, as a server's connections and consumers: `ps` lists them all.
            let count = words.count > 1 ? Int(words[1]) ?? 10_000 : 10_000
            for index in 0..<count {
                _ = addFuture("parked-\(index)") { try await Task.sleep(for: .seconds(86_400)) }
            }
            StallBenchChild.emit("spawned", "\(count)")
        case "quit":
            kill(getpid(), SIGTERM)
        default:
            StallBenchChild.emit("unknown-command", words.joined(separator: "_"))
        }
    }

    /// Busy but yielding: `tasks` child tasks (on the Worker's executor, inherited) each run short jobs of 10,000
    /// additions followed by `Task.yield()` until the deadline; returns the number of jobs run.
    static func yieldingLoad(seconds: Double, tasks: Int) async -> Int {
        let deadline = c_mode_bench_monotonic_ns() + UInt64(seconds * 1e9)
        return await withTaskGroup(of: Int.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var jobs = 0
                    var sink = 0
                    while c_mode_bench_monotonic_ns() < deadline {
                        for i in 0..<10_000 { sink = sink &* 31 &+ i }
                        jobs += 1
                        await Task.yield()
                    }
                    return sink == 42 ? jobs + 1 : jobs
                }
            }
            return await group.reduce(0, +)
        }
    }
}
