import Logging
import ModeDiagnostics

/// The three executor workloads: yields, actor hops, task spawns. Each returns its operation count.
///
/// ```swift
/// let ops = await ExecutorBench.Workload.yields.run()
/// ```
public enum ExecutorBench {
    /// Where the workload runs.
    public enum Setup: String, Sendable, CaseIterable {
        /// (a) Swift's default global concurrent executor.
        case global = "global"
        /// (b) the Worker's executor (``InstrumentedTaskExecutor``), no watchdog.
        case instrumented = "executor"
        /// (c) the Worker's executor with ``StallWatchdog`` running, ``GlobalPoolInstrumentation`` and
        /// ``TaskRunAccounting`` installed (what a Worker with a blocking timeout sets up).
        case watched = "executor+watchdog"
        /// (d) the global executor with ``GlobalPoolInstrumentation`` and ``TaskRunAccounting`` installed and
        /// ``StallWatchdog`` running: the watchdog without the Worker's executor.
        case globalWatched = "global+hook+watchdog"
    }

    /// A workload.
    public enum Workload: String, Sendable, CaseIterable {
        /// 4 tasks × 25,000 `Task.yield()`.
        case yields = "yield"
        /// 4 tasks × 250,000 calls into one shared actor.
        case actorHops = "actor-hop"
        /// 20,000 child tasks in groups of 100.
        case spawns = "task-spawn"

        /// Runs the workload where the calling task runs (children inherit its executor preference).
        public func run() async -> Int {
            switch self {
            case .yields:
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask { for _ in 0..<25_000 { await Task.yield() } }
                    }
                }
                return 100_000
            case .actorHops:
                let counter = Counter()
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask { for _ in 0..<250_000 { await counter.increment() } }
                    }
                }
                let total = await counter.value
                precondition(total == 1_000_000)
                return total
            case .spawns:
                var total = 0
                for _ in 0..<200 {
                    total += await withTaskGroup(of: Int.self) { group in
                        for index in 0..<100 { group.addTask { index & 1 } }
                        var sum = 0
                        for await value in group { sum += value }
                        return sum
                    }
                }
                precondition(total == 10_000)
                return 20_000
            }
        }
    }

    actor Counter {
        var value = 0
        func increment() { value += 1 }
    }

    /// The executors and the watchdog of a run, set up once and reused.
    public final class Environment: Sendable {
        /// The Worker's executor.
        public let executor = InstrumentedTaskExecutor(namePrefix: "bench-exec-")
        /// The watchdog of setup (c): 1 s timeout (the Worker's default is 10 s; a shorter one polls more).
        public let watchdog = StallWatchdog(
            configuration: .init(timeout: .seconds(1)), logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })

        /// Creates the executor threads.
        public init() {}

        /// Joins the executor threads and stops the watchdog.
        public func shutdown() {
            watchdog.stop()
            GlobalPoolInstrumentation.uninstall()
            TaskRunAccounting.uninstall()
            executor.shutdown()
        }

        /// Runs `workload` once on `setup` and returns its throughput in operations per second.
        public func throughput(_ workload: Workload, on setup: Setup) async throws -> Double {
            switch setup {
            case .global, .instrumented:
                watchdog.stop()
                GlobalPoolInstrumentation.uninstall()
                TaskRunAccounting.uninstall()
            case .watched, .globalWatched:
                _ = GlobalPoolInstrumentation.install()
                _ = TaskRunAccounting.install()
                try watchdog.start()
            }
            let clock = ContinuousClock()
            let t0 = clock.now
            let operations: Int
            switch setup {
            case .global, .globalWatched:
                operations = await Task { await workload.run() }.value
            case .instrumented, .watched:
                operations = await Task(executorPreference: executor) { await workload.run() }.value
            }
            let elapsed = clock.now - t0
            return Double(operations) / (elapsed.microseconds / 1e6)
        }
    }
}
