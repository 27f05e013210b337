import Dispatch
import ModeConsole

/// Starts a console on an ephemeral port with a few test commands.
enum ConsoleFixture {
    static func start(
        _ configure: (inout DebugConsole.Configuration) -> Void = { _ in }
    ) throws -> DebugConsole {
        var configuration = DebugConsole.Configuration(port: 0)
        configure(&configuration)
        let console = DebugConsole(configuration: configuration)
        register(in: console.registry)
        try console.start()
        return console
    }

    static func register(in registry: ConsoleCommandRegistry) {
        registry.register(
            ConsoleCommand(
                name: "echo",
                aliases: ["e"],
                summary: "Print the arguments",
                usage: "echo [words...]",
                help: "Prints its arguments separated by single spaces."
            ) { invocation in
                ConsoleOutput(
                    text: invocation.arguments.joined(separator: " "),
                    json: ["words": .array(invocation.arguments.map(JSONValue.string))]
                )
            }
        )
        registry.register(
            ConsoleCommand(name: "ps", aliases: ["p"], summary: "List tasks", usage: "ps [filter]") { invocation in
                var table = ConsoleTable(columns: [.init("Task ID", alignment: .right), .init("State"), .init("Name")])
                let rows = [["1", "running", "PageViewCache.poll"], ["22", "suspended", "App.flush"]]
                for row in rows where invocation.arguments.isEmpty || row[2].contains(invocation.arguments[0]) {
                    table.append(row)
                }
                return .table(table, summary: "\(table.rows.count) tasks running")
            }
        )
        registry.register(
            ConsoleCommand(name: "table", summary: "A table of N rows", usage: "table <rows>") { invocation in
                guard let count = invocation.arguments.first.flatMap({ Int($0) }) else {
                    throw ConsoleError.usage("table <rows>")
                }
                return .table(Self.bigTable(rows: count), summary: "\(count) tasks running")
            }
        )
    }

    /// A task table shaped like the Worker's `ps`: 8 columns of realistic widths.
    static func bigTable(rows: Int) -> ConsoleTable {
        var table = ConsoleTable(columns: [
            .init("Task ID", alignment: .right), .init("State"), .init("Name"), .init("Service"), .init("Kind"),
            .init("Created At"), .init("Age", alignment: .right), .init("Busy", alignment: .right),
        ])
        table.rows.reserveCapacity(rows)
        for index in 0..<rows {
            table.append([
                String(index), index % 3 == 0 ? "running" : "suspended", "PageViewCache.task-\(index)",
                "App/PageViewCache", "timer", "PageViews/App.swift:\(40 + index % 100)", "\(index % 600).2s",
                "\(index % 17)ms",
            ])
        }
        return table
    }
}

/// A semaphore-backed gate a test opens; commands and tasks block on it.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    /// Blocks the calling thread until `open(count:)` (or 60 s, so a failing test cannot hang forever).
    @discardableResult
    func wait() -> Bool {
        semaphore.wait(timeout: .now() + 60) == .success
    }

    /// Blocks the calling thread until `open(count:)` or `timeout`; returns whether it was opened.
    func wait(timeout: DispatchTimeInterval) -> Bool {
        semaphore.wait(timeout: .now() + timeout) == .success
    }

    func open(count: Int = 1) {
        for _ in 0..<count { semaphore.signal() }
    }
}
