import ModeCore
import ModeDiagnostics


/// The Worker's sections in thread dumps and crash reports: the service tree and the tasks by service.
enum WorkerSections {
    /// One line per service, indented by depth: `  AppService [running] restarts=0 up 12.3 s`.
    static func serviceTree(_ root: any Service) -> DiagnosticSection {
        DiagnosticSection(title: "services", lines: serviceLines(root))
    }

    static func serviceLines(_ root: any Service) -> [String] {
        root.subtree().map { service in
            var line = String(repeating: "  ", count: service.depth - 1) + service.label + " [\(service.state)]"
            line += " restarts=\(service.restartCount)"
            if let uptime = service.uptime { line += " up " + formatSeconds(uptime) }
            if service.state == .crashed, let reason = service.crashReason {
                line += " crash=" + String(reflecting: reason)
                if let origin = service.crashOrigin, origin != service.path { line += " (from \(origin))" }
            }
            return line
        }
    }

    /// Every live task, grouped by owning service: `Worker/App: #12 poll [task] running 3.2 s at App.swift:20`.
    static func tasksByService(_ registry: TaskRegistry) -> DiagnosticSection {
        let now = TaskRegistry.monotonicNanoseconds()
        let tasks = registry.liveTasks()
        let grouped = Dictionary(grouping: tasks) { $0.servicePath ?? "(no service)" }
        var lines: [String] = []
        for service in grouped.keys.sorted() {
            lines.append(service + ":")
            for record in grouped[service] ?? [] {
                let age = formatTenths(record.age(nowMonotonicNanoseconds: now)) + " s"
                lines.append("  #\(record.id) \(record.name) [\(record.kind)] \(record.state) \(age) at \(record.creationSite)")
            }
        }
        if lines.isEmpty { lines = ["(no live tasks)"] }
        return DiagnosticSection(title: "tasks", lines: lines)
    }

    static func formatSeconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return formatTenths(seconds) + " s"
    }

    /// `12.3` (one decimal, without Foundation).
    static func formatTenths(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
