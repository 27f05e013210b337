import ModeConsole
import ModeCore
import ModeDiagnostics
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension WorkerConsoleCommands {
    static func registerThreadCommands(in registry: ConsoleCommandRegistry, worker: Worker) {
        let tasks = worker.lifecycle.tree.tasks
        registry.register(
            ConsoleCommand(name: "threads", summary: "Every thread: name, tid, state, wchan, current job") { _ in
                let activity = Dictionary(
                    ThreadActivity.snapshot().map { ($0.threadID, $0) }, uniquingKeysWith: { first, _ in first })
                let now = ThreadActivity.monotonicNanoseconds
                var table = ConsoleTable(columns: [
                    .init("TID", alignment: .right), .init("Name"), .init("State"), .init("Wchan"), .init("Job"),
                ])
                var rows: [JSONValue] = []
                for info in ThreadInventory.list() {
                    var job = "-"
                    if let slot = activity[info.tid], let address = slot.job {
                        let task = tasks.liveTask(runtimeAddress: address)
                        job = (task.map { "#\($0.id) \($0.name)" } ?? "job") + " busy \((now &- slot.startNanoseconds) / 1_000_000) ms"
                    }
                    table.append(["\(info.tid)", info.displayName, info.state, info.wchan ?? "-", job])
                    rows.append(.object([
                        ("tid", .int(Int(info.tid))), ("name", .string(info.name)), ("state", .string(info.state)),
                        ("nameIsInherited", .bool(info.nameIsInherited)),
                        ("wchan", info.wchan.map(JSONValue.string) ?? .null), ("job", .string(job)),
                    ]))
                }
                return ConsoleOutput.table(table, json: ["threads": .array(rows)])
            })
        registry.register(
            ConsoleCommand(
                name: "stacks", aliases: ["st", "stacktrace"],
                summary: "Native stack of every thread and async stack of every task (same data as kill -USR1)",
                help: "Every thread's native stack, symbolicated; then every live task, grouped by service, with "
                    + "the async stack of each task no thread runs (innermost first).",
                isExpensive: true  // captures and symbolicates every thread: shared by concurrent callers
            ) { _ in
                var dump = ThreadDump.capture(reason: "console")
                let stacks = taskStacks(tasks)
                dump.tasks = stacks
                let json: JSONValue = .array(dump.threads.map { thread in
                    .object([
                        ("tid", .int(Int(thread.info.tid))), ("name", .string(thread.info.name)),
                        ("state", .string(thread.info.state)),
                        ("frames", .array(thread.frames.map { .string($0.render()) })),
                    ])
                })
                return ConsoleOutput(text: dump.render(), json: ["threads": json, "tasks": taskStacksJSON(stacks)])
            })
        registry.register(
            ConsoleCommand(name: "stalls", aliases: ["blocking"], summary: "The last stall reports of the watchdog") { _ in
                guard let watchdog = worker.runtime.withLock({ $0?.watchdog }) else {
                    return ConsoleOutput(
                        text: "blocking detection is off (--blocking-timeout 0)", json: ["enabled": false, "reports": []])
                }
                let reports = watchdog.recentReports
                let text = reports.isEmpty
                    ? "no stalls reported (timeout \(watchdog.configuration.timeout))"
                    : reports.map { $0.render() }.joined(separator: "\n\n")
                return ConsoleOutput(
                    text: text,
                    json: ["enabled": true, "count": .int(watchdog.reportCount),
                           "reports": .array(reports.map { .string($0.render()) })])
            })
    }
}
