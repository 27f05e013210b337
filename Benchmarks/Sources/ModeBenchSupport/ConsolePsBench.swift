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
    let ids: [UInt64]

    /// Registers `tasks` live tasks in `TaskRegistry.shared` under 100 service paths.
    public init(tasks: Int) {
        ids = (0..<tasks).map { index in
            TaskRegistry.shared.register(
                name: "task-\(index)", kind: .task, servicePath: "Worker/App/Service\(index % 100)",
                creationSite: "App/Service.swift:\(index % 400)")
        }
        registry.register(ConsoleCommand(name: "ps", summary: "List live tasks") { _ in Self.liveTasks() })
    }

    /// Ends the registered tasks.
    public func finish() {
        for id in ids { TaskRegistry.shared.markEnded(id: id, outcome: .finished) }
    }

    /// Mean wall time of `ps` (command + text rendering), microseconds, and the length of the last answer.
    public func run(count: Int) -> (microseconds: Double, lines: Int) {
        let clock = ContinuousClock()
        var lines = 0
        let t0 = clock.now
        for _ in 0..<count {
            let output = registry.execute(line: "ps")
            lines = output.text.utf8.reduce(0) { $1 == 10 ? $0 + 1 : $0 }
        }
        return ((clock.now - t0).microseconds / Double(count), lines)
    }

    static func liveTasks() -> ConsoleOutput {
        let now = TaskRegistry.monotonicNanoseconds()
        var activity: [UInt: (tid: Int32, busy: UInt64)] = [:]
        let activityNow = ThreadActivity.monotonicNanoseconds
        for slot in ThreadActivity.snapshot() {
            if let job = slot.job { activity[job] = (slot.threadID, activityNow &- slot.startNanoseconds) }
        }
        let all = TaskRegistry.shared.liveTasks()
        var table = ConsoleTable(columns: [
            .init("ID", alignment: .right), .init("State"), .init("Name"), .init("Service"), .init("Kind"),
            .init("Created at"), .init("Age", alignment: .right), .init("Busy", alignment: .right),
        ])
        var json: [JSONValue] = []
        json.reserveCapacity(all.count)
        for record in all {
            let running = record.runtimeAddress.flatMap { activity[$0] }
            let age = record.age(nowMonotonicNanoseconds: now)
            table.append([
                "\(record.id)", running == nil ? "suspended" : "running", record.name, record.servicePath ?? "-",
                record.kind.description, record.creationSite, "\((age * 10).rounded() / 10) s",
                running.map { "\($0.busy / 1_000_000) ms" } ?? "-",
            ])
            json.append(.object([
                ("id", .int(Int(record.id))), ("name", .string(record.name)),
                ("service", record.servicePath.map(JSONValue.string) ?? .null),
                ("kind", .string(record.kind.description)), ("state", .string("suspended")),
                ("created_at", .string(record.creationSite)), ("age_s", .double(age)),
            ]))
        }
        return ConsoleOutput.table(
            table, summary: "\(all.count) tasks running", json: ["count": .int(all.count), "tasks": .array(json)])
    }
}
