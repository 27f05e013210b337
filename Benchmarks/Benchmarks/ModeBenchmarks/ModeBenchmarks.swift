import Benchmark
import ModeBenchSupport

// swift-mode's benchmark suites (ordo-one/benchmark). Run: swift package --package-path Benchmarks benchmark
// Thresholds (Benchmarks/Thresholds) cover the allocation counts, which are stable; wall times on a shared
// 2-core machine are not, and are compared side by side by `mode-compare` instead.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 20,
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 5.0])]
    )
    registerServiceTreeBenchmarks()
    registerRestartBenchmarks()
    registerExecutorBenchmarks()
    registerDiagnosticsBenchmarks()
}

/// 1. Start+stop of N services, swift-mode and ServiceGroup, for every shape of the issue.
func registerServiceTreeBenchmarks() {
    for shape in ServiceShape.all {
        // Names without spaces, slashes or tags: `thresholds check` looks files up by the raw name, while
        // `thresholds update` writes them with spaces and slashes replaced.
        let suffix = "\(shape.fanout.map { "tree\($0)" } ?? "flat")_N\(shape.count)"
        Benchmark("ServiceTree_mode_\(suffix)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try await ModeTreeBench.run(shape))
            }
        }
        Benchmark("ServiceTree_ServiceGroup_\(suffix)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try await ServiceGroupBench.run(shape))
            }
        }
    }
}

/// 2. 1,000 crash→supervisor→restart cycles per iteration.
func registerRestartBenchmarks() {
    Benchmark("Supervisor_restart_x1000") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await RestartBench.run(restarts: 1_000))
        }
    }
    Benchmark(
        "SupervisorStateMachine_decision",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo)
    ) { benchmark in
        blackHole(RestartBench.decisionCost(count: benchmark.scaledIterations.count, windowEntries: 10))
    }
}

/// 4. The workloads on the global executor, the Worker's executor, and with the watchdog on.
func registerExecutorBenchmarks() {
    let environment = ExecutorBench.Environment()
    for workload in ExecutorBench.Workload.allCases {
        for setup in ExecutorBench.Setup.allCases {
            Benchmark(
                "Executor_\(workload.rawValue)_on_\(setup.rawValue)",
                configuration: .init(metrics: [.wallClock, .throughput], thresholds: [:])
            ) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try await environment.throughput(workload, on: setup))
                }
            }
        }
    }
}

/// 5. Stack capture, symbolication, thread dump, console ps.
func registerDiagnosticsBenchmarks() {
    Benchmark(
        "StackCapture_sleeping_thread",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo, maxIterations: 5)
    ) { benchmark in
        let threads = DiagnosticsBench.HelperThreads(sleeping: 1, spinning: 0)
        defer { threads.stop() }
        benchmark.startMeasurement()
        blackHole(try DiagnosticsBench.captureCost(threadID: threads.sleepingIDs[0], count: benchmark.scaledIterations.count))
        benchmark.stopMeasurement()
    }
    Benchmark(
        "ThreadDump_20_extra_threads",
        configuration: .init(metrics: [.wallClock], maxIterations: 10, thresholds: [:])
    ) { benchmark in
        let threads = DiagnosticsBench.HelperThreads(sleeping: 20, spinning: 0)
        defer { threads.stop() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(DiagnosticsBench.threadDump(symbolicate: true))
        }
        benchmark.stopMeasurement()
    }
    Benchmark("Console_ps_10000_tasks", configuration: .init(maxIterations: 10)) { benchmark in
        let ps = ConsolePsBench(tasks: 10_000)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(ps.run(count: 1))
        }
        benchmark.stopMeasurement()
        await ps.finish()
    }
}
