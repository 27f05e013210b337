import ModeConsole
import ModeCore
import ModeDiagnostics
import Synchronization

/// The debug console commands of a running Worker: tasks (`ps`, `where`, `cancel`), services (`services`,
/// `graph`, `restart`, `stop`), threads (`threads`, `stacks`, `stalls`), and the process (`loglevel`, `stats`).
///
/// Every handler is synchronous and reads state kept behind locks, so the console answers even when every
/// executor thread is blocked.
enum WorkerConsoleCommands {
    static func register(in registry: ConsoleCommandRegistry, worker: Worker) {
        registerTaskCommands(in: registry, tasks: worker.lifecycle.tree.tasks)
        registerServiceCommands(in: registry, worker: worker)
        registerThreadCommands(in: registry, worker: worker)
        registerProcessCommands(in: registry, worker: worker)
    }

    // MARK: - Tasks

    static func registerTaskCommands(
        in registry: ConsoleCommandRegistry, tasks: TaskRegistry, asyncStacks: @escaping AsyncStackSource = liveAsyncStacks
    ) {
        registry.register(
            ConsoleCommand(
                name: "ps", aliases: ["p"],
                summary: "List live tasks (ps -s: with each one's innermost frame; ps -t: recently finished ones)",
                usage: "ps [-t | -s] [filter]",
                help: """
                    Columns: ID, State (running = on a thread now, suspended = parked at an await), Name,
                    Service, Kind (task, timer, cron, future, supervisor, user, lifecycle), Created at
                    (file:line), Age, and Busy (how long its jobs have held a thread, the running one included; - when
                    its jobs are not timed, e.g. its work runs inside an actor's jobs).
                    The filter keeps tasks whose name, service path, kind or creation site contains it.
                    ps -s (or --frames) adds each task's innermost frame: for a suspended task the innermost frame
                    of its async stack outside the Swift runtime (where it awaits; see where <id>), for a running
                    one its thread.
                    ps -t lists recently finished tasks with their outcome instead.
                    """
            ) { invocation in
                var arguments = invocation.arguments
                var finished = false
                var frames = false
                while let flag = arguments.first, flag.hasPrefix("-") {
                    switch flag {
                    case "-t": finished = true
                    case "-s", "--frames": frames = true
                    default: throw ConsoleError.usage("ps [-t | -s] [filter] (unknown option \(flag))")
                    }
                    arguments.removeFirst()
                }
                if finished && frames { throw ConsoleError.usage("ps [-t | -s] [filter] (-s shows live tasks only)") }
                let filter = arguments.joined(separator: " ")
                if finished { return finishedTasks(filter: filter, in: tasks) }
                return liveTasks(filter: filter, in: tasks, frames: frames ? asyncStacks : nil)
            })
        registry.register(
            ConsoleCommand(
                name: "where", aliases: ["w"], summary: "Everything known about one task, with its stack",
                usage: "where <task-id>",
                help: "Service path, creation site, state, timings, parent and children; when the task is on a "
                    + "thread right now, that thread's native stack; when it is suspended, its async stack (the "
                    + "functions awaiting, innermost first, read from the task's resume context).",
                isExpensive: true  // symbolicates a stack
            ) { invocation in
                try whereTask(invocation.arguments, in: tasks, asyncStacks: asyncStacks)
            })
        registry.register(
            ConsoleCommand(
                name: "warnings", summary: "Tasks that do not yield, poll too long, or sleep with no wake-up",
                usage: "warnings [--running SECONDS] [--poll MILLISECONDS] [--suspended SECONDS]",
                help: """
                    From the tasks' executor figures: a task whose current job has held its thread longer than
                    --running (default 1 s), a task that once ran a job longer than --poll (default 100 ms), a
                    suspended task whose last job ended more than --suspended ago (default 60 s). Each names
                    the task, its service and where it was created. Tasks whose jobs are not timed (work inside
                    an actor's jobs) are not judged.
                    """
            ) { invocation in
                let lints = TaskLints(thresholds: try TaskLints.thresholds(from: invocation.arguments))
                let warnings = taskWarnings(in: tasks, lints: lints)
                let text = warnings.isEmpty
                    ? "no warnings"
                    : "\(warnings.count) warning\(warnings.count == 1 ? "" : "s")\n"
                        + warnings.map { "  \($0.kind.rawValue): \($0.text)" }.joined(separator: "\n")
                let json: JSONValue = .object([
                    ("count", .int(warnings.count)),
                    ("warnings", .array(warnings.map { warning in
                        .object([
                            ("kind", .string(warning.kind.rawValue)), ("id", .int(Int(warning.task.id))),
                            ("name", .string(warning.task.name)),
                            ("service", warning.task.service.map(JSONValue.string) ?? .null),
                            ("created_at", .string(warning.task.creationSite)),
                            ("seconds", .double(Double(warning.nanoseconds) / 1e9)), ("text", .string(warning.text)),
                        ])
                    })),
                ])
                return ConsoleOutput(text: text, json: json)
            })
        let topState = TopState()
        registry.register(
            ConsoleCommand(
                name: "top", summary: "Services and tasks by executor time since the previous top",
                usage: "top [count]",
                help: """
                    Ranks services, then tasks (the first count, default 20), by the time their jobs held an
                    executor thread since the previous top (the first one: over each task's life). Share is that
                    time over the window: 100 % is one thread held all along. Figures come from the global-pool
                    hooks and the Worker's executor; a task whose work runs inside an actor's jobs is not listed.
                    """
            ) { invocation in
                let limit = try invocation.arguments.first.map { text -> Int in
                    guard let count = Int(text), count > 0 else { throw ConsoleError.usage("top [count] (a number > 0)") }
                    return count
                } ?? 20
                let current = topSnapshot(of: tasks)
                let table = TaskTopTable(previous: topState.exchange(current), current: current)
                return ConsoleOutput(text: table.render(limit: limit), json: table.json(limit: limit))
            })
        registry.register(
            ConsoleCommand(
                name: "cancel", aliases: ["ca"], summary: "Cancel one task", usage: "cancel <task-id>"
            ) { invocation in
                let id = try taskID(invocation.arguments, usage: "cancel <task-id>")
                guard let record = tasks.cancel(id: id) else {
                    throw ConsoleError.notFound("no live task with id \(id) (see ps)")
                }
                return ConsoleOutput(
                    text: "cancelled task #\(record.id) \(record.name) of \(record.servicePath ?? "-")",
                    json: ["cancelled": taskJSON(record, activity: [:], now: TaskRegistry.monotonicNanoseconds())]
                )
            })
    }

    static func taskID(_ arguments: [String], usage: String) throws -> UInt64 {
        guard arguments.count == 1, let id = UInt64(arguments[0].trimmingPrefix("#")) else {
            throw ConsoleError.usage(usage)
        }
        return id
    }

    /// Which task each executor thread runs right now: task address -> (thread id, busy nanoseconds). A task
    /// that runs inside an actor's job is the thread's open run (``ThreadActivity/runningTask``), busy since
    /// that run began.
    static func runningJobs() -> [UInt: (tid: Int32, busyNanoseconds: UInt64)] {
        let now = ThreadActivity.monotonicNanoseconds
        var jobs: [UInt: (Int32, UInt64)] = [:]
        for activity in ThreadActivity.snapshot() {
            if let job = activity.job { jobs[job] = (activity.threadID, now &- activity.startNanoseconds) }
            if let task = activity.runningTask, task != activity.job {
                jobs[task] = (activity.threadID, now &- activity.runStartNanoseconds)
            }
        }
        return jobs
    }

    /// The live tasks' lint warnings (``TaskLints``) now.
    static func taskWarnings(in tasks: TaskRegistry, lints: TaskLints) -> [TaskLints.Warning] {
        let activity = runningJobs()
        let subjects = tasks.liveTasks().compactMap { record -> TaskLints.Task? in
            let running = record.runtimeAddress.flatMap { activity[$0] }
            let figures = statistics(of: record)
            guard running != nil || figures != nil else { return nil }
            return TaskLints.Task(
                id: record.id, name: record.name, service: record.servicePath, creationSite: record.creationSite,
                runningNanoseconds: running?.busyNanoseconds, longestJobNanoseconds: figures?.longestJobNanoseconds,
                lastRanNanoseconds: figures?.lastRanNanoseconds)
        }
        return lints.evaluate(subjects, now: TaskStatistics.now)
    }

    /// Every accounted live task's busy time now, for `top`.
    static func topSnapshot(of tasks: TaskRegistry) -> TaskTopTable.Snapshot {
        let activity = runningJobs()
        let samples = tasks.liveTasks().compactMap { record -> TaskTopTable.Sample? in
            guard let figures = statistics(of: record) else { return nil }
            let running = record.runtimeAddress.flatMap { activity[$0] }
            return TaskTopTable.Sample(
                id: record.id, name: record.name, service: record.servicePath,
                busyNanoseconds: figures.busyNanoseconds + (running?.busyNanoseconds ?? 0), jobs: figures.jobs,
                createdNanoseconds: record.createdMonotonicNanoseconds)
        }
        return TaskTopTable.Snapshot(
            atNanoseconds: TaskRegistry.monotonicNanoseconds(), samples: samples,
            ended: TaskAttributionTable.shared.endedFigures())
    }

    /// The previous `top`'s snapshot of one console's registry.
    final class TopState: Sendable {
        private let previous = Mutex<TaskTopTable.Snapshot?>(nil)
        /// Stores `current` and returns the snapshot it replaces.
        func exchange(_ current: TaskTopTable.Snapshot) -> TaskTopTable.Snapshot? {
            previous.withLock { previous in
                defer { previous = current }
                return previous
            }
        }
    }

    /// Why a live task has no figures, for `where`.
    static var notMeasuredReason: String {
        if TaskRunAccounting.isInstalled { return "no run of it seen yet, or the task table is full" }
        if GlobalPoolInstrumentation.isInstalled {
            return "per-run accounting is off here: its jobs run inside an actor's jobs or on an executor swift-mode does not time"
        }
        return "executors are not instrumented: the Worker runs without a blocking timeout"
    }

    /// The executor figures of a live task (``TaskStatistics``), when its runtime task is accounted.
    static func statistics(of record: TaskRecord) -> TaskStatistics? {
        guard !record.state.isTerminal else { return nil }
        // No run or job counted: the executors are not instrumented (no blocking timeout), or per-run
        // accounting failed its self-check and the task's work runs inside an actor's jobs: unknown, not zero.
        return record.runtimeAddress.flatMap { TaskStatistics.of(taskAddress: $0) }.flatMap { $0.jobs > 0 ? $0 : nil }
    }

    /// Milliseconds a task's jobs held a thread: the finished jobs' figures plus the running job so far.
    static func busyMilliseconds(
        _ figures: TaskStatistics?, running: (tid: Int32, busyNanoseconds: UInt64)?
    ) -> Int? {
        guard figures != nil || running != nil else { return nil }
        return Int(((figures?.busyNanoseconds ?? 0) + (running?.busyNanoseconds ?? 0)) / 1_000_000)
    }

    static func matches(_ record: TaskRecord, _ filter: String) -> Bool {
        guard !filter.isEmpty else { return true }
        let needle = filter.lowercased()
        return [record.name, record.servicePath ?? "", record.kind.description, record.creationSite, "#\(record.id)"]
            .contains { $0.lowercased().contains(needle) }
    }

    static func liveTasks(filter: String, in tasks: TaskRegistry, frames: AsyncStackSource? = nil) -> ConsoleOutput {
        let now = TaskRegistry.monotonicNanoseconds()
        let activity = runningJobs()
        let all = tasks.liveTasks()
        let shown = filter.isEmpty ? all : all.filter { matches($0, filter) }
        let summary = shown.count == all.count
            ? "\(all.count) tasks running" : "\(all.count) tasks running (showing \(shown.count) tasks)"
        // ps -s: each suspended task's async stack, read once for either format.
        if frames != nil { awaitAsyncStacks() }
        let stacks: [UInt64: AsyncStackSnapshot] = frames.map { read in
            Dictionary(uniqueKeysWithValues: shown.compactMap { record in
                record.runtimeAddress.flatMap { activity[$0] } == nil ? (record.id, read(record, tasks)) : nil
            })
        } ?? [:]
        // The table and the JSON are built only for the format asked for (10,000 tasks: the JSON alone is
        // 70,000 values a text `ps` never sends).
        return ConsoleOutput(
            table: {
                var columns: [ConsoleTable.Column] = [
                    .init("ID", alignment: .right), .init("State"), .init("Name"), .init("Service"), .init("Kind"),
                    .init("Created at"), .init("Age", alignment: .right), .init("Busy", alignment: .right),
                ]
                if frames != nil { columns.append(.init("Innermost frame")) }
                var table = ConsoleTable(columns: columns)
                table.reserveCapacity(shown.count)
                for record in shown {
                    let running = record.runtimeAddress.flatMap { activity[$0] }
                    var row = [
                        "\(record.id)", running == nil ? "suspended" : "running", record.name,
                        record.servicePath ?? "-", record.kind.description, record.creationSite,
                        WorkerSections.formatTenths(record.age(nowMonotonicNanoseconds: now)) + " s",
                        busyMilliseconds(statistics(of: record), running: running).map { "\($0) ms" } ?? "-",
                    ]
                    if frames != nil {
                        if let running {
                            row.append("on thread \(running.tid) (where \(record.id))")
                        } else if let stack = stacks[record.id] {
                            row.append(stack.innermostFrame.map { shortFrame($0) } ?? "(\(stack.note ?? stack.state.rawValue))")
                        } else {
                            row.append("-")
                        }
                    }
                    table.append(row)
                }
                return (table, summary + "\n")
            },
            json: {
                [
                    "count": .int(all.count), "shown": .int(shown.count),
                    "tasks": .array(shown.map { record in
                        let json = taskJSON(record, activity: activity, now: now)
                        guard frames != nil, case .object(var members) = json else { return json }
                        let stack = stacks[record.id]
                        members.append(JSONValue.Member(
                            "innermost_frame", stack?.innermostFrame.map(frameJSON) ?? .null))
                        members.append(JSONValue.Member("async_state", stack.map { .string($0.state.rawValue) } ?? .null))
                        members.append(JSONValue.Member("async_note", stack?.note.map(JSONValue.string) ?? .null))
                        return .object(members)
                    }),
                ]
            })
    }

    static func finishedTasks(filter: String, in tasks: TaskRegistry) -> ConsoleOutput {
        let now = TaskRegistry.monotonicNanoseconds()
        let all = tasks.finishedTasks()
        let shown = all.filter { matches($0, filter) }.reversed()
        var table = ConsoleTable(columns: [
            .init("ID", alignment: .right), .init("Outcome"), .init("Name"), .init("Service"), .init("Kind"),
            .init("Created at"), .init("Lived", alignment: .right), .init("Ended", alignment: .right),
        ])
        for record in shown {
            let outcome = record.state == .failed ? "failed: \(record.error ?? "?")" : record.state.description
            let endedAgo = Double(now &- (record.endedMonotonicNanoseconds ?? now)) / 1e9
            table.append([
                "\(record.id)", outcome, record.name, record.servicePath ?? "-", record.kind.description,
                record.creationSite, WorkerSections.formatTenths(record.age(nowMonotonicNanoseconds: now)) + " s",
                WorkerSections.formatTenths(endedAgo) + " s ago",
            ])
        }
        return ConsoleOutput.table(
            table, summary: "\(all.count) tasks terminated (old ones may be stripped)",
            json: ["count": .int(all.count), "tasks": .array(shown.map { taskJSON($0, activity: [:], now: now) })]
        )
    }

    static func taskJSON(
        _ record: TaskRecord, activity: [UInt: (tid: Int32, busyNanoseconds: UInt64)], now: UInt64
    ) -> JSONValue {
        let running = record.runtimeAddress.flatMap { activity[$0] }
        let figures = statistics(of: record)
        var state = record.state.description
        if !record.state.isTerminal { state = running == nil ? "suspended" : "running" }
        var members: [(String, JSONValue)] = [
            ("id", .int(Int(record.id))), ("name", .string(record.name)),
            ("service", record.servicePath.map(JSONValue.string) ?? .null), ("kind", .string(record.kind.description)),
            ("state", .string(state)), ("created_at", .string(record.creationSite)),
            ("age_s", .double(record.age(nowMonotonicNanoseconds: now))),
            ("busy_ms", busyMilliseconds(figures, running: running).map(JSONValue.int) ?? .null),
            ("jobs", figures.map { .int(Int($0.jobs)) } ?? .null),
            ("thread", running.map { .int(Int($0.tid)) } ?? .null),
            ("parent_id", record.parentID.map { .int(Int($0)) } ?? .null),
            ("error", record.error.map(JSONValue.string) ?? .null),
        ]
        // A request scope's trace (optional keys: present only when the task carries one).
        if let trace = record.trace {
            members.append(("trace_id", .string(trace.traceID)))
            if let spanID = trace.spanID { members.append(("span_id", .string(spanID))) }
        }
        return .object(members)
    }

    static func whereTask(
        _ arguments: [String], in tasks: TaskRegistry, asyncStacks: AsyncStackSource = liveAsyncStacks
    ) throws -> ConsoleOutput {
        let id = try taskID(arguments, usage: "where <task-id>")
        guard let record = tasks.record(id: id) else {
            throw ConsoleError.notFound("no task with id \(id) (see ps and ps -t)")
        }
        let now = TaskRegistry.monotonicNanoseconds()
        let activity = runningJobs()
        // Live children, then the recently finished ones (the registry's history), each of those with its outcome.
        let children = (tasks.liveTasks() + tasks.finishedTasks())
            .filter { $0.parentID == id }
            .map { "#\($0.id) \($0.name)" + ($0.state.isTerminal ? " (\($0.state))" : "") }
        var lines = [
            "Task #\(record.id) \(record.name)",
            "  service:    \(record.servicePath ?? "-")",
            "  kind:       \(record.kind)",
            "  created at: \(record.creationSite)",
            "  state:      \(record.state.isTerminal ? record.state.description : (record.runtimeAddress.flatMap { activity[$0] } == nil ? "suspended" : "running"))",
            "  age:        \(WorkerSections.formatTenths(record.age(nowMonotonicNanoseconds: now))) s",
            "  parent:     \(record.parentID.map { "#\($0)" } ?? "-")",
            "  children:   \(children.isEmpty ? "-" : children.joined(separator: ", "))",
        ]
        if let trace = record.trace { lines.append("  trace:      \(trace)") }
        let figures = statistics(of: record)
        if figures == nil && !record.state.isTerminal {
            lines.append("  jobs:       not measured (" + notMeasuredReason + ")")
        }
        if let figures {
            lines.append("  jobs:       \(figures.jobs) run, busy \(figures.busyNanoseconds / 1_000_000) ms, waited to run "
                + "\(figures.scheduledNanoseconds / 1_000_000) ms, longest job \(figures.longestJobNanoseconds / 1_000_000) ms")
        }
        if let error = record.error { lines.append("  error:      \(error)") }
        var json = taskJSON(record, activity: activity, now: now)
        if let figures, case .object(var members) = json {
            members.append(JSONValue.Member("scheduled_ms", .int(Int(figures.scheduledNanoseconds / 1_000_000))))
            members.append(JSONValue.Member("longest_job_ms", .int(Int(figures.longestJobNanoseconds / 1_000_000))))
            json = .object(members)
        }
        if let address = record.runtimeAddress, let running = activity[address] {
            lines.append("  on thread \(running.tid) for \(running.busyNanoseconds / 1_000_000) ms; native stack:")
            var frames: [JSONValue] = []
            do {
                let stack = try StackCapture.capture(threadID: running.tid)
                for frame in Symbolicator.shared.symbolicate(stack) {
                    lines.append("    " + frame.render())
                    frames.append(.string(frame.render()))
                }
            } catch {
                lines.append("    (stack capture failed: \(error))")
            }
            if case .object(var members) = json {
                members.append(JSONValue.Member("stack", .array(frames)))
                json = .object(members)
            }
        } else if !record.state.isTerminal {
            // When its last job ended, from the executor figures; without them, say so rather than guess.
            let lastRan = figures?.lastRanNanoseconds.map { Double(TaskStatistics.now &- $0) / 1e9 }
            if let lastRan {
                lines.append("  last ran:   \(WorkerSections.formatTenths(lastRan)) s ago (suspended since)")
            } else {
                lines.append("  last ran:   not recorded; suspended at most "
                    + "\(WorkerSections.formatTenths(record.age(nowMonotonicNanoseconds: now))) s (its age)")
            }
            awaitAsyncStacks()
            let stack = asyncStacks(record, tasks)
            switch stack.state {
            case .suspended, .enqueued:
                let waiting = stack.state == .enqueued
                    ? "enqueued (runnable, waiting for a thread or an actor)" : "suspended at an await"
                lines.append("  \(waiting); async stack, innermost first:")
            case .running:
                lines.append("  it started running while being read; run where \(id) again for its native stack")
            default:
                lines.append("  async stack:")
            }
            lines.append(contentsOf: stack.renderedLines(indent: "    "))
            if case .object(var members) = json {
                members.append(JSONValue.Member("last_ran_s", lastRan.map(JSONValue.double) ?? .null))
                members.append(JSONValue.Member("innermost_frame", stack.innermostFrame.map(frameJSON) ?? .null))
                members.append(JSONValue.Member("async_stack", asyncStackJSON(stack)))
                json = .object(members)
            }
        }
        return ConsoleOutput(text: lines.joined(separator: "\n"), json: json)
    }
}
