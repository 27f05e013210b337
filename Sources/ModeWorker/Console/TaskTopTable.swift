import ModeConsole
import ModeDiagnostics

/// The `top` command's ranking: which tasks and services held executor threads over a window, from two
/// snapshots of the tasks' busy time (``TaskStatistics``). Pure: the times are given, so a test drives it
/// with a manual clock.
///
/// ```swift
/// let table = TaskTopTable(previous: earlier, current: now)
/// print(table.tasks.first?.name ?? "-")   // the busiest task of the window
/// ```
struct TaskTopTable: Equatable {
    /// One task's figures at one instant.
    struct Sample: Equatable {
        var id: UInt64
        var name: String
        var service: String?
        var busyNanoseconds: UInt64
        var jobs: UInt64
        /// When the task was created (monotonic nanoseconds): its window on a first `top`.
        var createdNanoseconds: UInt64
    }

    /// Every accounted task at one instant, and the summed figures of the tasks that ended, by service.
    struct Snapshot: Equatable {
        var atNanoseconds: UInt64
        var samples: [Sample]
        var ended: [String: TaskAttributionTable.EndedFigures] = [:]
    }

    /// A task's or a service's time on executor threads in the window.
    struct Row: Equatable {
        var id: UInt64?
        var name: String
        var service: String?
        var busyNanoseconds: UInt64
        var jobs: UInt64
        /// Busy time over the window: 1.0 is one thread held the whole window; `nil` when the window is not
        /// known (a service with only ended tasks on a first top).
        var share: Double?
    }

    /// The window's length (since the previous snapshot; `nil` on a first `top`: each task's own life).
    let windowNanoseconds: UInt64?
    let tasks: [Row]
    let services: [Row]

    init(previous: Snapshot?, current: Snapshot) {
        let before = Dictionary(previous?.samples.map { ($0.id, $0) } ?? [], uniquingKeysWith: { first, _ in first })
        windowNanoseconds = previous.map { current.atNanoseconds &- $0.atNanoseconds }
        var rows: [Row] = []
        var byService: [String: Row] = [:]
        for sample in current.samples {
            let earlier = before[sample.id]
            let busy = sample.busyNanoseconds &- min(earlier?.busyNanoseconds ?? 0, sample.busyNanoseconds)
            let jobs = sample.jobs &- min(earlier?.jobs ?? 0, sample.jobs)
            // A task born inside the window, or every task on a first top, is measured over its own life.
            let window = earlier == nil
                ? current.atNanoseconds &- min(sample.createdNanoseconds, current.atNanoseconds)
                : (windowNanoseconds ?? 0)
            let share = window == 0 ? 0 : Double(busy) / Double(window)
            rows.append(Row(id: sample.id, name: sample.name, service: sample.service, busyNanoseconds: busy,
                            jobs: jobs, share: share))
            let key = sample.service ?? "-"
            var total = byService[key] ?? Row(id: nil, name: key, service: sample.service, busyNanoseconds: 0, jobs: 0, share: 0)
            total.busyNanoseconds += busy
            total.jobs += jobs
            total.share = (total.share ?? 0) + share
            byService[key] = total
        }
        // Tasks that ended count for their service: the growth of its ended tasks' sums (all of it on a first top,
        // over the service's window, which is then unknown: no share).
        for (service, total) in current.ended {
            let earlier = previous?.ended[service]
            let busy = total.busyNanoseconds &- min(earlier?.busyNanoseconds ?? 0, total.busyNanoseconds)
            let jobs = total.jobs &- min(earlier?.jobs ?? 0, total.jobs)
            guard busy > 0 || jobs > 0 else { continue }
            var row = byService[service]
                ?? Row(id: nil, name: service, service: service == "-" ? nil : service, busyNanoseconds: 0, jobs: 0,
                       share: windowNanoseconds == nil ? nil : 0)
            row.busyNanoseconds += busy
            row.jobs += jobs
            if let windowNanoseconds, windowNanoseconds > 0, let share = row.share {
                row.share = share + Double(busy) / Double(windowNanoseconds)
            } else {
                row.share = nil  // part of its time has no known window
            }
            byService[service] = row
        }
        let order: (Row, Row) -> Bool = { ($0.busyNanoseconds, $1.jobs) > ($1.busyNanoseconds, $0.jobs) }
        tasks = rows.sorted(by: order)
        services = byService.values.sorted(by: order)
    }

    /// The text of `top`, at most `limit` tasks.
    func render(limit: Int) -> String {
        var lines = [windowNanoseconds.map {
            "Executor time over the last \(WorkerSections.formatTenths(Double($0) / 1e9)) s (since the previous top)"
        } ?? "Executor time over each task's life (the first top; the next one shows the time since this one)"]
        var serviceTable = ConsoleTable(columns: [
            .init("Service"), .init("Busy", alignment: .right), .init("Share", alignment: .right),
            .init("Jobs", alignment: .right),
        ])
        for row in services {
            serviceTable.append([row.name, Self.milliseconds(row.busyNanoseconds), Self.percent(row.share), "\(row.jobs)"])
        }
        lines.append(serviceTable.rendered())
        var taskTable = ConsoleTable(columns: [
            .init("ID", alignment: .right), .init("Name"), .init("Service"), .init("Busy", alignment: .right),
            .init("Share", alignment: .right), .init("Jobs", alignment: .right),
        ])
        for row in tasks.prefix(limit) {
            taskTable.append([
                "\(row.id ?? 0)", row.name, row.service ?? "-", Self.milliseconds(row.busyNanoseconds),
                Self.percent(row.share), "\(row.jobs)",
            ])
        }
        lines.append(taskTable.rendered())
        if tasks.count > limit { lines.append("(\(tasks.count - limit) more tasks: top <count>)") }
        return lines.joined(separator: "\n")
    }

    /// `{"window_s": …, "services": […], "tasks": […]}`.
    func json(limit: Int) -> JSONValue {
        func row(_ row: Row) -> JSONValue {
            var members: [(String, JSONValue)] = []
            if let id = row.id { members.append(("id", .int(Int(id)))) }
            members.append(contentsOf: [
                ("name", .string(row.name)), ("service", row.service.map(JSONValue.string) ?? .null),
                ("busy_ms", .double(Double(row.busyNanoseconds) / 1e6)), ("share", row.share.map(JSONValue.double) ?? .null),
                ("jobs", .int(Int(row.jobs))),
            ])
            return .object(members)
        }
        return .object([
            ("window_s", windowNanoseconds.map { .double(Double($0) / 1e9) } ?? .null),
            ("services", .array(services.map(row))), ("tasks", .array(tasks.prefix(limit).map(row))),
        ])
    }

    static func milliseconds(_ nanoseconds: UInt64) -> String {
        "\(WorkerSections.formatTenths(Double(nanoseconds) / 1e6)) ms"
    }

    static func percent(_ share: Double?) -> String { share.map { "\(WorkerSections.formatTenths($0 * 100)) %" } ?? "-" }
}
