import Logging
import ModeCore
import Synchronization

/// Restarts per second of a service that crashes right after it starts, under a real ``Supervisor``
/// (one-for-one, immediate backoff, no restart limit), and the delay from its `crash(_:)` to the start of its
/// restart (`onRestart`). Also the raw `restart()` loop, for comparison with Python mode's.
///
/// ```swift
/// let result = try await RestartBench.run(restarts: 10_000)
/// print(result.restartsPerSecond)
/// ```
public enum RestartBench {
    struct Boom: Error {}

    /// Crashes in `onStarted` until `target` restarts happened; stamps each crash and restart.
    final class Crasher: Service {
        let lifecycle = ServiceLifecycleState(logger: ModeTreeBench.silentLogger, label: "crasher")
        let target: Int
        let stamps = Mutex(Stamps())
        struct Stamps {
            var crashedAt: UInt64 = 0
            var delays: [UInt64] = []
            var firstRestartAt: UInt64 = 0
            var waiter: CheckedContinuation<Void, Never>?
            var done = false
        }

        init(target: Int) {
            self.target = target
            stamps.withLock { $0.delays.reserveCapacity(target) }
        }

        var mundaneLevel: Logger.Level { .debug }

        func onStarted() async throws {
            let keepCrashing = stamps.withLock { stamps -> Bool in
                if stamps.delays.count >= target { return false }
                stamps.crashedAt = TaskRegistry.monotonicNanoseconds()
                return true
            }
            if keepCrashing { crash(Boom()) }
        }

        func onRestart() async throws {
            let now = TaskRegistry.monotonicNanoseconds()
            let waiter = stamps.withLock { stamps -> CheckedContinuation<Void, Never>? in
                if stamps.delays.isEmpty { stamps.firstRestartAt = now }
                stamps.delays.append(now &- stamps.crashedAt)
                guard stamps.delays.count >= target else { return nil }
                stamps.done = true
                return stamps.waiter.take()
            }
            waiter?.resume()
        }

        func waitUntilDone() async {
            await withCheckedContinuation { continuation in
                let now = stamps.withLock { stamps -> Bool in
                    if stamps.done { return true }
                    stamps.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }

    /// The outcome of a run.
    public struct Result: Sendable {
        /// Restarts done.
        public var restarts: Int
        /// Wall time from the first crash to the last restart.
        public var elapsed: Duration
        /// Crash-to-restart delay of the first restart, nanoseconds.
        public var firstDelayNanoseconds: UInt64
        /// Median crash-to-restart delay, nanoseconds.
        public var medianDelayNanoseconds: UInt64
        /// 99th percentile crash-to-restart delay, nanoseconds.
        public var p99DelayNanoseconds: UInt64
        /// Restarts per second.
        public var restartsPerSecond: Double { Double(restarts) / (elapsed.microseconds / 1e6) }
    }

    /// Starts a supervisor over the crasher and waits until it was restarted `restarts` times.
    public static func run(restarts: Int) async throws -> Result {
        var policy = SupervisionPolicy(strategy: .oneForOne)
        policy.applyBenchmarkLimits()
        let supervisor = Supervisor(policy: policy, logger: ModeTreeBench.silentLogger)
        let crasher = Crasher(target: restarts)
        supervisor.supervise(crasher)
        let clock = ContinuousClock()
        let t0 = clock.now
        try await supervisor.start()
        await crasher.waitUntilDone()
        let t1 = clock.now
        await supervisor.stop()
        let delays = crasher.stamps.withLock { $0.delays }
        let first = delays.first ?? 0
        let sorted = delays.sorted()
        return Result(
            restarts: delays.count, elapsed: t1 - t0, firstDelayNanoseconds: first,
            medianDelayNanoseconds: sorted.isEmpty ? 0 : sorted[sorted.count / 2],
            p99DelayNanoseconds: sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
    }

    /// The platform's floor under a first restart: a task suspended on a continuation while the pool has been
    /// idle for 20 ms, resumed from another task; microseconds from the resume to the task running again
    /// (median of `samples`). A first restart wakes the supervisor's suspended task the same way.
    public static func idleWakeMicroseconds(samples: Int = 25) async throws -> Double {
        var delays: [Double] = []
        for _ in 0..<samples {
            let slot = WakeSlot()
            let waiter = Task.detached { () -> Double in
                let sent = await withCheckedContinuation { (continuation: CheckedContinuation<UInt64, Never>) in
                    slot.state.withLock { $0 = (continuation, true) }
                }
                return Double(TaskRegistry.monotonicNanoseconds() - sent) / 1e3
            }
            while !slot.state.withLock({ $0.parked }) { try await Task.sleep(for: .milliseconds(1)) }
            try await Task.sleep(for: .milliseconds(20))
            await Task.detached {
                let continuation = slot.state.withLock { $0.continuation }
                continuation?.resume(returning: TaskRegistry.monotonicNanoseconds())
            }.value
            delays.append(await waiter.value)
        }
        delays.sort()
        return delays[delays.count / 2]
    }

    private final class WakeSlot: Sendable {
        let state = Mutex<(continuation: CheckedContinuation<UInt64, Never>?, parked: Bool)>((nil, false))
    }

    /// A plain service for the raw loop.
    final class Plain: Service {
        let lifecycle = ServiceLifecycleState(logger: ModeTreeBench.silentLogger, label: "plain")
        var mundaneLevel: Logger.Level { .debug }
    }

    /// Restarts per second of `restart()` called in a loop on a crashed service (no supervisor round trip).
    public static func restartLoop(count: Int) async throws -> Double {
        let service = Plain()
        try await service.start()
        let clock = ContinuousClock()
        let t0 = clock.now
        for _ in 0..<count {
            service.crash(Boom())
            try await service.restart()
        }
        let elapsed = clock.now - t0
        await service.stop()
        return Double(count) / (elapsed.microseconds / 1e6)
    }

    /// Cost of one ``SupervisorStateMachine`` decision, nanoseconds (averaged over `count` decisions), when the
    /// restart-intensity window holds about `windowEntries` earlier restarts (crashes arrive every
    /// `period / windowEntries` on a synthetic timeline).
    public static func decisionCost(count: Int, windowEntries: Int) -> Double {
        var policy = SupervisionPolicy(strategy: .oneForOne)
        policy.maxRestarts = windowEntries * 2
        policy.period = .seconds(1)
        policy.backoff = .immediate
        var machine = SupervisorStateMachine<ContinuousClock>(policy: policy, childCount: 10)
        let clock = ContinuousClock()
        let origin = clock.now
        let step = policy.period / windowEntries
        let t0 = clock.now
        var sink = 0
        for index in 0..<count {
            sink &+= machine.childCrashed(at: index % 10, now: origin.advanced(by: step * index)).restart.count
        }
        let elapsed = clock.now - t0
        precondition(sink == count, "the benchmark policy escalated")
        return elapsed.nanoseconds / Double(count)
    }
}

extension SupervisionPolicy {
    /// One-for-one, no backoff, and a restart intensity the benchmark never reaches: at most 1,000 restarts
    /// within 1 ms. (The window is kept short on purpose: `RestartIntensity` scans every restart inside its
    /// window on each decision, so an unbounded limit over the default 10 s window makes each decision cost
    /// O(restarts so far); see BENCHMARKS.md.)
    mutating func applyBenchmarkLimits() {
        maxRestarts = 1_000
        period = .milliseconds(1)
        backoff = .immediate
    }
}
