import Foundation
import ModeConsole
import Testing

/// Latency figures for the runbook. Opt-in (`MODE_CONSOLE_BENCH=1`), best run with `-c release`; it
/// prints medians and p99s and checks every answer, so it fails if the console answers wrongly.
@Suite("Console benchmarks", .enabled(if: ProcessInfo.processInfo.environment["MODE_CONSOLE_BENCH"] != nil))
struct ConsoleBenchmarkTests {
    private static func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
        sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))]
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.3f ms", value)
    }

    private static func measure(_ runs: Int, _ body: () throws -> Void) throws -> [Duration] {
        var samples: [Duration] = []
        samples.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try body()
            samples.append(start.duration(to: .now))
        }
        return samples.sorted()
    }

    @Test func roundTripAndLargeTables() throws {
        let console = try ConsoleFixture.start()
        defer { try? console.shutdown() }
        console.registry.register(ConsoleCommand(name: "noop", summary: "Answer ok") { _ in ConsoleOutput(text: "ok") })
        let client = try ConsoleTestClient(port: try #require(console.port))
        try client.readBanner()
        for _ in 0..<100 { #expect(try client.command("noop") == "ok") }

        let trivial = try Self.measure(1000) {
            let answer = try client.command("noop")
            #expect(answer == "ok")
        }
        print("console round trip 'noop', 1000 runs: median \(Self.milliseconds(Self.percentile(trivial, 0.5))), p99 \(Self.milliseconds(Self.percentile(trivial, 0.99)))")

        let text = try Self.measure(30) {
            let answer = console.registry.execute(line: "table 10000").text
            #expect(answer.utf8.count > 1_000_000)
        }
        print("server side, 10,000-row table as text: median \(Self.milliseconds(Self.percentile(text, 0.5)))")
        let json = try Self.measure(30) {
            let answer = console.registry.execute(line: "json table 10000").text
            #expect(answer.hasPrefix("{"))
        }
        print("server side, 10,000-row table as JSON: median \(Self.milliseconds(Self.percentile(json, 0.5)))")
        let table = ConsoleFixture.bigTable(rows: 10_000)
        let render = try Self.measure(30) { #expect(!table.rendered().isEmpty) }
        let renderJSON = try Self.measure(30) { #expect(!table.jsonRows().rendered().isEmpty) }
        print("rendering only (rows already built): text \(Self.milliseconds(Self.percentile(render, 0.5))), JSON \(Self.milliseconds(Self.percentile(renderJSON, 0.5)))")
        let trip = try Self.measure(30) {
            let answer = try client.command("table 10000")
            #expect(answer.hasPrefix("10000 tasks running"))
        }
        print("round trip, 10,000-row table: median \(Self.milliseconds(Self.percentile(trip, 0.5)))")
    }
}
