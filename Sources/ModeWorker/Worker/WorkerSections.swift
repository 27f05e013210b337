import ModeCore
import ModeDiagnostics


/// The Worker's sections in thread dumps and crash reports: the service tree (the tasks are the dump's `tasks`).
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
