import ModeConsole
import ModeCore
import ModeDiagnostics

/// The console's `ps` with many live tasks. The Worker's own `ps` command is internal to ModeWorker (it is only
/// reachable through a running Worker's TCP console), so this registers a `ps` with the same body — live tasks
/// from ``TaskRegistry``, the running jobs from ``ThreadActivity``, one ``ConsoleTable`` row and one JSON object
/// per task — in a ``ConsoleCommandRegistry`` and runs it through `execute(line:)`, rendering the text answer.
///
/// ```swift
/// let bench = ConsolePsBench(tasks: 10_000)
/// let microseconds = bench.run(count: 5)
/// ```
public final class ConsolePsBench: Sendable {
    let registry = ConsoleCommandRegistry()
    let tasks = TaskRegistry()
    let spawned: [Task<Void, Never>]

    /// Spawns `count` live tasks in its own ``TaskRegistry`` under 100 service paths; each waits until
    /// ``finish()``.
    public init(tasks count: Int) {
        let tasks = self.tasks
        spawned = (0..<count).map { index in
            tasks.spawn(
                "task-\(index)", kind: .task, servicePath: "Worker/App/Service\(index % 100)",
                fileID: "App/Service.swift", line: index % 400
            ) {
                // Parked until cancelled, as a suspended service task.
                try await Task.sleep(for: .seconds(86_400))
            }.task
        }
        registry.register(ConsoleCommand(name: "ps", summary: "List live tasks") { _ in Self.liveTasks(tasks) })
    }

    /// Ends the spawned tasks and waits until the registry has none left.
    public func finish() async {
        for task in spawned { task.cancel() }
        for task in spawned { await task.value }
    }

    /// Mean wall time of `ps` (command + text rendering), microseconds, and the length of the last answer.
    public func run(count: Int) -> (microseconds: Double, lines: Int) {
        let clock = ContinuousClock()
        var last = ""
        let t0 = clock.now
        for _ in 0..<count {
            last = registry.execute(line: "ps").text
        }
        let elapsed = clock.now - t0
        // Counted after the clock stopped: scanning a megabyte for newlines is not part of `ps`.
        return (elapsed.microseconds / Double(count), last.utf8.reduce(0) { $1 == 10 ? $0 + 1 : $0 })
    }

    static func liveTasks(_ tasks: TaskRegistry) -> ConsoleOutput {
        let now = TaskRegistry.monotonicNanoseconds()
        var running: [UInt: (tid: Int32, busy: UInt64)] = [:]
        let activityNow = ThreadActivity.monotonicNanoseconds
        for slot in ThreadActivity.snapshot() {
            if let job = slot.job { running[job] = (slot.threadID, activityNow &- slot.startNanoseconds) }
        }
        let activity = running
        let all = tasks.liveTasks()
        // As the Worker's `ps`: the table and the JSON are built only for the format asked for.
        return ConsoleOutput(
            text: {
                var table = ConsoleTable(columns: [
                    .init("ID", alignment: .right), .init("State"), .init("Name"), .init("Service"), .init("Kind"),
                    .init("Created at"), .init("Age", alignment: .right), .init("Busy", alignment: .right),
                ])
                for record in all {
                    let running = record.runtimeAddress.flatMap { activity[$0] }
                    let age = record.age(nowMonotonicNanoseconds: now)
                    table.append([
                        "\(record.id)", running == nil ? "suspended" : "running", record.name, record.servicePath ?? "-",
                        record.kind.description, record.creationSite, "\((age * 10).rounded() / 10) s",
                        running.map { "\($0.busy / 1_000_000) ms" } ?? "-",
                    ])
                }
                return "\(all.count) tasks running\n" + table.rendered()
            },
            json: {
                .object([
                    ("count", .int(all.count)),
                    ("tasks", .array(all.map { record in
                        .object([
                            ("id", .int(Int(record.id))), ("name", .string(record.name)),
                            ("service", record.servicePath.map(JSONValue.string) ?? .null),
                            ("kind", .string(record.kind.description)), ("state", .string("suspended")),
                            ("created_at", .string(record.creationSite)),
                            ("age_s", .double(record.age(nowMonotonicNanoseconds: now))),
                        ])
                    })),
                ])
            })
    }
}
