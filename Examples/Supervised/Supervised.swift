import Foundation
import Mode

/// A service that crashes 100 ms after every start.
actor Flaky: Service {
    let lifecycle = ServiceLifecycleState()

    struct FlakyError: Error, CustomStringConvertible {
        var description: String { "flaky dependency went away" }
    }

    nonisolated var tasks: [ServiceTask] {
        [.task("work") {
            await self.sleep(for: .milliseconds(100))
            if !self.shouldStop { throw FlakyError() }
        }]
    }
}

/// A service that crashes right after it starts (for the restart-rate measurement).
final class CrashAtStart: Service {
    let lifecycle = ServiceLifecycleState()
    struct Failure: Error {}
    func onStarted() async throws { crash(Failure()) }
}

/// mode's supervisor example: a one-for-one supervisor restarts `Flaky` with a growing backoff
/// (100, 200, 400, 800, 1600 ms) until the sixth crash within 10 s, then logs "Max restarts exceeded" and
/// crashes: under the Worker the process exits with status 1.
///
///     swift run --package-path Examples Supervised                 # under the Worker: exit status 1
///     swift run --package-path Examples Supervised --standalone    # no Worker: prints the error, exit 1
///     swift run -c release --package-path Examples Supervised --measure
@main
enum SupervisedExample {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--measure" {
            await measure()
            return
        }
        let standalone = arguments.first == "--standalone"
        if standalone { arguments.removeFirst() }

        let app = Supervisor(strategy: .oneForOne, label: "App")
        app.supervise(Flaky())

        if standalone {
            try await app.start()
            await app.waitUntilStopped()
            let reason = app.crashReason
            await app.stop()
            if let reason {
                FileHandle.standardError.write(Data("Error: \(reason)\n".utf8))
                exit(1)
            }
            return
        }
        await Worker(app, options: WorkerOptions.parseOrExit(arguments: arguments)).run()
    }

    /// Restarts per second of a service that crashes right after start (no backoff, no limit), and the
    /// delay from a crash to the end of the restart.
    static func measure() async {
        var policy = SupervisionPolicy(strategy: .oneForOne)
        policy.backoff = .immediate
        policy.maxRestarts = .max
        let supervisor = Supervisor(policy: policy, label: "Bench")
        supervisor.lifecycle.setLogger(Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let child = CrashAtStart()
        supervisor.supervise(child)
        try? await supervisor.start()
        let clock = ContinuousClock()
        let started = clock.now
        while clock.now - started < .seconds(3) { await Task.yield() }
        let restarts = supervisor.restartsPerformed
        await supervisor.stop()
        let seconds = microseconds(clock.now - started) / 1e6
        let rate = Int(Double(restarts) / seconds)
        print("restarts: \(restarts) in \(String(format: "%.2f", seconds)) s = \(rate) restarts/s")

        // Crash-to-running latency with zero backoff: a healthy child crashed by hand.
        let second = Supervisor(policy: policy, label: "Latency")
        second.lifecycle.setLogger(Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let healthy = Flaky2()
        second.supervise(healthy)
        try? await second.start()
        var samples: [Double] = []
        for _ in 0..<1000 {
            let before = second.restartsPerformed
            let t0 = clock.now
            healthy.crash(CrashAtStart.Failure())
            while second.restartsPerformed == before || healthy.state != .running { await Task.yield() }
            samples.append(microseconds(clock.now - t0))
        }
        await second.stop()
        samples.sort()
        let mean = samples.reduce(0, +) / Double(samples.count)
        let format = "crash -> running again (zero backoff): mean %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us"
        let p50 = samples[samples.count / 2]
        let p99 = samples[samples.count * 99 / 100]
        print(String(format: format, mean, p50, p99, samples.last ?? 0))
    }

    static func microseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
    }
}

/// A healthy service with no tasks.
final class Flaky2: Service {
    let lifecycle = ServiceLifecycleState(label: "Healthy")
}
