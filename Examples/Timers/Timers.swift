import Foundation
import Mode
import Synchronization

/// Records when each tick of a timer ran, to compute lateness percentiles against the grid.
final class TickLog: Sendable {
    let interval: Duration
    private let state = Mutex<(origin: ContinuousClock.Instant?, ticks: [ContinuousClock.Instant])>((nil, []))

    init(interval: Duration) { self.interval = interval }

    func markOrigin() { state.withLock { $0.origin = .now; $0.ticks = [] } }
    func tick() { state.withLock { $0.ticks.append(.now) } }

    /// Lateness of tick k against origin + k·interval, in milliseconds.
    var latenessMilliseconds: [Double] {
        state.withLock { state in
            guard let origin = state.origin else { return [] }
            return state.ticks.enumerated().map { index, instant in
                let due = origin.advanced(by: interval * (index + 1))
                let late = due.duration(to: instant)
                return Double(late.components.seconds) * 1000 + Double(late.components.attoseconds) / 1e15
            }
        }
    }
}

/// mode's timer and crontab examples: a fast fixed-rate timer, a slower one whose callback works 20 ms,
/// and a cron job; after a few seconds the app stops itself and prints each timer's drift statistics.
actor App: Service {
    let lifecycle = ServiceLifecycleState()
    let fast = TickLog(interval: .milliseconds(10))
    let slow = TickLog(interval: .milliseconds(200))
    private var cronRuns = 0

    func onStart() async throws {
        fast.markOrigin()
        slow.markOrigin()
    }

    nonisolated var tasks: [ServiceTask] {
        [
            .timer("fast", every: .milliseconds(10)) { self.fast.tick() },
            .timer("slow", every: .milliseconds(200)) {
                self.slow.tick()
                try await Task.sleep(for: .milliseconds(20))  // simulated work: compensated by the schedule
            },
            .cron("every-minute", "* * * * *", timeZone: TimeZone(identifier: "UTC")!) { await self.cronFired() },
        ]
    }

    func cronFired() {
        cronRuns += 1
        print("cron job ran at \(Date()) (run \(cronRuns))")
    }
}

@main
enum TimersExample {
    static func main() async throws {
        let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 3.1
        let expression = try CronExpression("* * * * *")
        let utc = TimeZone(identifier: "UTC")!
        var next = Date()
        print("cron \"\(expression)\" (UTC) next runs:")
        for _ in 0..<3 {
            next = expression.nextFireDate(after: next, in: utc)!
            print("  \(next)")
        }
        let app = App()
        app.lifecycle.setLogger(Logger(label: "timers"))
        try await app.start()
        print("timer fast: every 10 ms; timer slow: every 200 ms with 20 ms of work; running \(seconds) s")
        try await Task.sleep(for: .seconds(seconds))
        await app.stop()

        for (name, log) in [("fast", app.fast), ("slow", app.slow)] {
            guard let stats = app.timerStatistics(named: name) else { continue }
            print("timer \(name): \(stats)")
            let late = log.latenessMilliseconds.sorted()
            guard !late.isEmpty else { continue }
            let mean = late.reduce(0, +) / Double(late.count)
            let p99 = late[min(late.count - 1, late.count * 99 / 100)]
            print(String(format: "  %d ticks: lateness mean %.3f ms, p99 %.3f ms, max %.3f ms; last tick drift %.3f ms",
                late.count, mean, p99, late.last ?? 0, log.latenessMilliseconds.last ?? 0))
        }
        if let cron = app.cronStatus(named: "every-minute") { print("cron every-minute: \(cron)") }
    }
}
