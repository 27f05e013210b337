import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import ModeDiagnostics
import Synchronization
import Testing

func stallMeasurementsEnabled() -> Bool {
    guard let value = getenv("MODE_STALL_MEASURE") else { return false }
    return String(cString: value) == "1"
}

/// Figures for Diagnostics/Design/stall-detection.md. They print, they do not assert timings; run them in release:
///
///     MODE_STALL_MEASURE=1 swift test -c release --filter StallMeasurement
@Suite("Stall detection measurements (MODE_STALL_MEASURE=1)", .serialized,
       .enabled(if: stallMeasurementsEnabled()))
struct StallMeasurementTests {
    actor Counter {
        var value = 0
        func bump() { value += 1 }
    }

    @inline(never) static func yieldLoop(_ count: Int) async {
        for _ in 0..<count { await Task.yield() }
    }

    @inline(never) static func hopLoop(_ count: Int, _ counter: Counter) async {
        for _ in 0..<count { await counter.bump() }
    }

    static func processCPUNanoseconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) * 1e9 + Double(spec.tv_nsec)
    }

    /// Wall-clock and process CPU nanoseconds per operation. CPU time is what the instrumentation costs; wall
    /// time on this shared 2-core machine mostly measures the other processes.
    static func nanosecondsPerOperation(_ count: Int, executor: InstrumentedTaskExecutor?,
                                        _ body: @escaping @Sendable () async -> Void) async -> (wall: Double, cpu: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = processCPUNanoseconds()
        if let executor {
            await Task(executorPreference: executor) { await body() }.value
        } else {
            await Task { await body() }.value
        }
        let cpu = processCPUNanoseconds() - cpuStart
        let elapsed = start.duration(to: clock.now)
        return ((Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
            / Double(count), cpu / Double(count))
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    static func format(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }

    @Test func executorOverhead() async {
        let count = 200_000
        let rounds = 15
        let executor = InstrumentedTaskExecutor(threadCount: 2)
        defer { executor.shutdown() }
        var figures: [String: [(wall: Double, cpu: Double)]] = [:]
        for _ in 0..<rounds {
            figures["yield/default", default: []].append(
                await Self.nanosecondsPerOperation(count, executor: nil) { await Self.yieldLoop(count) })
            figures["yield/instrumented-executor", default: []].append(
                await Self.nanosecondsPerOperation(count, executor: executor) { await Self.yieldLoop(count) })
            let first = Counter()
            figures["actor-hop/default", default: []].append(
                await Self.nanosecondsPerOperation(count, executor: nil) { await Self.hopLoop(count, first) })
            let second = Counter()
            figures["actor-hop/instrumented-executor", default: []].append(
                await Self.nanosecondsPerOperation(count, executor: executor) { await Self.hopLoop(count, second) })
            GlobalPoolInstrumentation.install()
            figures["yield/enqueue-hook", default: []].append(
                await Self.nanosecondsPerOperation(count, executor: nil) { await Self.yieldLoop(count) })
            let third = Counter()
            figures["actor-hop/enqueue-hook", default: []].append(
                await Self.nanosecondsPerOperation(count, executor: nil) { await Self.hopLoop(count, third) })
            GlobalPoolInstrumentation.uninstall()
        }
        // Other processes share the machine: compare within each round (same load), then take the median ratio.
        for key in figures.keys.sorted() {
            let wall = figures[key]!.map(\.wall)
            let cpu = figures[key]!.map(\.cpu)
            let baseline = figures[key.split(separator: "/")[0] + "/default"]!
            let wallRatios = zip(wall, baseline.map(\.wall)).map { $0 / $1 }
            let cpuRatios = zip(cpu, baseline.map(\.cpu)).map { $0 / $1 }
            print("MEASURE \(key): wall median \(Self.format(Self.median(wall))) ns/op (min \(Self.format(wall.min()!))), "
                  + "CPU median \(Self.format(Self.median(cpu))) ns/op (min \(Self.format(cpu.min()!))); vs default: "
                  + "wall \(Self.format(Self.median(wallRatios) * 100)) %, CPU \(Self.format(Self.median(cpuRatios) * 100)) %, "
                  + "CPU min-to-min \(Self.format(cpu.min()! / baseline.map(\.cpu).min()! * 100)) % "
                  + "(\(rounds) rounds of \(count))")
        }
        #expect(figures.count == 6)
    }

    @Test(arguments: [Duration.milliseconds(100), .milliseconds(500)])
    func detectionDelay(timeout: Duration) async throws {
        let stalls = 25
        let executor = InstrumentedTaskExecutor(threadCount: 2, namePrefix: "measure-")
        defer { executor.shutdown() }
        let reports = StallEventLog<StallReport>()
        let detectedAt = Mutex<[UInt64: ContinuousClock.Instant]>([:])
        let clock = ContinuousClock()
        let tids = Set(executor.threadIDs)
        let configuration = StallWatchdog.Configuration(
            timeout: timeout, repeatAfter: .zero, rateLimitWindow: .zero, threadFilter: { tids.contains($0.threadID) })
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let watchdog = StallWatchdog(configuration: configuration, onStall: { report in
            detectedAt.withLock { $0[report.reportID] = clock.now }
            reports.append(report)
        }, onStallEnded: { ends.append($0) })
        try watchdog.start()
        defer { watchdog.stop() }

        var delays: [Double] = []
        var decisions: [Double] = []
        var captures: [Double] = []
        var symbolications: [Double] = []
        for index in 0..<stalls {
            let gate = DispatchSemaphore(value: 0)
            let started = Mutex<ContinuousClock.Instant?>(nil)
            let task = Task(executorPreference: executor) {
                started.withLock { $0 = clock.now }
                blockingWork(gate)
            }
            let report = try #require(await reports.first { $0.reportID == UInt64(index + 1) })
            gate.signal()
            await task.value
            let start = try #require(started.withLock { $0 })
            let detected = try #require(detectedAt.withLock { $0[report.reportID] })
            let delay = start.duration(to: detected)
            delays.append(Double(delay.components.seconds) * 1e3 + Double(delay.components.attoseconds) / 1e15)
            decisions.append(Double(report.busyMilliseconds))
            captures.append(Double(report.captureMicroseconds ?? 0))
            symbolications.append(Double(report.symbolicationMicroseconds ?? 0))
            // Let the end line go out before the next stall.
            _ = try #require(await ends.first { $0.reportID == report.reportID })
        }
        print("MEASURE detector decision, timeout \(timeout): p50 \(Self.format(Self.percentile(decisions, 0.5))) ms, "
              + "p99 \(Self.format(Self.percentile(decisions, 0.99))) ms, max \(Self.format(decisions.max()!)) ms "
              + "(job start -> poll that reports it)")
        print("MEASURE detection delay, timeout \(timeout): p50 \(Self.format(Self.percentile(delays, 0.5))) ms, "
              + "p99 \(Self.format(Self.percentile(delays, 0.99))) ms, max \(Self.format(delays.max()!)) ms "
              + "over \(stalls) stalls (job start -> onStall, includes capture + symbolication)")
        print("MEASURE capture: p50 \(Self.format(Self.percentile(captures, 0.5))) us, p99 "
              + "\(Self.format(Self.percentile(captures, 0.99))) us; symbolication: p50 "
              + "\(Self.format(Self.percentile(symbolications, 0.5))) us, p99 "
              + "\(Self.format(Self.percentile(symbolications, 0.99))) us, first \(Self.format(symbolications[0])) us")
        #expect(delays.count == stalls)
    }
}
