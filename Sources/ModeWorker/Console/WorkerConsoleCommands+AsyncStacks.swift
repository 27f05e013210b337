import ModeConsole
import ModeCore
import ModeDiagnostics

/// Async stacks of the tasks no thread runs, for `where`, `ps -s`, `stacks` and thread dumps.
extension WorkerConsoleCommands {
    /// Reads the async stack of a live task (the seam tests replace to inject a reader).
    typealias AsyncStackSource = @Sendable (TaskRecord, TaskRegistry) -> AsyncStackSnapshot

    /// How long a first reader waits for the self-check (begun with the console, or by this first use).
    static let selfCheckWait: Duration = .seconds(5)

    /// Starts the async-stack self-check unless it ran, and waits for it (``selfCheckWait`` at most: a pool
    /// too stuck to run its probe tasks leaves the stacks "not available" rather than the caller waiting).
    /// Called once per command or dump, not per task.
    static func awaitAsyncStacks() {
        _ = TaskObjectReader.awaitAsyncStackSelfCheck(timeout: selfCheckWait)
    }

    /// The process-wide reader: reads the task by its runtime address while a reference from the registry
    /// keeps the task object alive (no lock is held meanwhile). Callers run ``awaitAsyncStacks()`` first.
    static let liveAsyncStacks: AsyncStackSource = { record, tasks in
        guard let address = record.runtimeAddress else {
            return AsyncStackSnapshot(state: .noTask, note: "the task has not started")
        }
        let keepAlive = tasks.keepAlive(id: record.id)
        return withExtendedLifetime(keepAlive) { AsyncStackSnapshot.read(taskAddress: address) }
    }

    /// Every live task grouped by service (sorted by path, then id), each with its async stack unless a thread
    /// runs it: the `tasks` of thread dumps and `stacks`.
    static func taskStacks(
        _ tasks: TaskRegistry, asyncStacks: AsyncStackSource = liveAsyncStacks
    ) -> [ThreadDump.TaskStack] {
        awaitAsyncStacks()
        let now = TaskRegistry.monotonicNanoseconds()
        let activity = runningJobs()
        let records = tasks.liveTasks().sorted { ($0.servicePath ?? "", $0.id) < ($1.servicePath ?? "", $1.id) }
        return records.map { record in
            var entry = ThreadDump.TaskStack(
                id: record.id, name: record.name, service: record.servicePath, kind: record.kind.description,
                state: "running",
                createdAt: record.creationSite, ageSeconds: record.age(nowMonotonicNanoseconds: now))
            if let running = record.runtimeAddress.flatMap({ activity[$0] }) {
                entry.thread = running.tid
                entry.note = "on a thread: its native stack is under thread \(running.tid)"
                return entry
            }
            let stack = asyncStacks(record, tasks)
            entry.state = stack.state.rawValue
            entry.frames = stack.frames
            entry.note = stack.note
            return entry
        }
    }

    /// A frame as JSON: `function`, `file`, `line`, `column`, `module`, `offset` (hex), `address` (hex).
    static func frameJSON(_ frame: StackFrame) -> JSONValue {
        .object([
            ("index", .int(frame.index)), ("address", .string(StackFrameText.hex(frame.address))),
            ("function", frame.symbol.map(JSONValue.string) ?? .null),
            ("file", frame.file.map(JSONValue.string) ?? .null), ("line", frame.line.map(JSONValue.int) ?? .null),
            ("column", frame.column.map(JSONValue.int) ?? .null),
            ("module", frame.module.map(JSONValue.string) ?? .null),
            ("offset", frame.moduleOffset.map { .string(StackFrameText.hex($0)) } ?? .null),
            ("async", .bool(frame.isAsync)), ("text", .string(frame.render())),
        ])
    }

    /// `{"state": "suspended", "note": null, "frames": [...]}`.
    static func asyncStackJSON(_ stack: AsyncStackSnapshot) -> JSONValue {
        .object([
            ("state", .string(stack.state.rawValue)), ("note", stack.note.map(JSONValue.string) ?? .null),
            ("frames", .array(stack.frames.map(frameJSON))),
        ])
    }

    /// `poll() at App.swift:42` (the file's last path component), for `ps -s`.
    static func shortFrame(_ frame: StackFrame?) -> String {
        guard let frame else { return "-" }
        var text = frame.symbol ?? "???"
        if let file = frame.file {
            text += " at " + (file.split(separator: "/").last.map(String.init) ?? file)
            if let line = frame.line { text += ":\(line)" }
        } else if let module = frame.module {
            text += " [\(module)]"
        }
        return text
    }

    /// The task stacks as the console's JSON: `[{"service": ..., "tasks": [...]}]`, one entry per service.
    static func taskStacksJSON(_ stacks: [ThreadDump.TaskStack]) -> JSONValue {
        var groups: [(String?, [JSONValue])] = []
        for task in stacks {
            let json: JSONValue = .object([
                ("id", .int(Int(task.id))), ("name", .string(task.name)),
                ("kind", task.kind.map(JSONValue.string) ?? .null), ("state", .string(task.state)),
                ("created_at", task.createdAt.map(JSONValue.string) ?? .null),
                ("age_s", task.ageSeconds.map(JSONValue.double) ?? .null),
                ("thread", task.thread.map { .int(Int($0)) } ?? .null),
                ("note", task.note.map(JSONValue.string) ?? .null),
                ("frames", .array(task.frames.map(frameJSON))),
            ])
            if let last = groups.indices.last, groups[last].0 == task.service {
                groups[last].1.append(json)
            } else {
                groups.append((task.service, [json]))
            }
        }
        return .array(groups.map { service, tasks in
            .object([("service", service.map(JSONValue.string) ?? .null), ("tasks", .array(tasks))])
        })
    }
}

/// Hex text as frames render it.
enum StackFrameText {
    static func hex(_ value: UInt) -> String { "0x" + String(value, radix: 16) }
}
