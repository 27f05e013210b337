import Logging
import ModeConsole
import ModeCore
import ModeDiagnostics
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension WorkerConsoleCommands {
    static func registerProcessCommands(in registry: ConsoleCommandRegistry, worker: Worker) {
        registry.register(
            ConsoleCommand(
                name: "loglevel", summary: "Show or change the log level at runtime",
                usage: "loglevel [trace|debug|info|notice|warning|error|critical]"
            ) { invocation in
                guard let runtime = worker.runtime.withLock({ $0 }) else {
                    throw ConsoleError.failed("the Worker is not running")
                }
                let old = runtime.logLevel(of: worker)
                guard let name = invocation.arguments.first else {
                    return ConsoleOutput(text: "log level: \(old)", json: ["level": .string("\(old)")])
                }
                guard invocation.arguments.count == 1, let level = LogLevelControl.parseLevel(name) else {
                    throw ConsoleError.usage("loglevel [\(LogLevelControl.levelNames.joined(separator: "|"))]")
                }
                runtime.setLogLevel(level, of: worker)
                worker.logger.notice("Log level changed from \(old) to \(level) (console \(invocation.session))")
                return ConsoleOutput(
                    text: "log level: \(old) -> \(level)", json: ["level": .string("\(level)"), "previous": .string("\(old)")])
            })
        registry.register(
            ConsoleCommand(name: "stats", summary: "Uptime, services, tasks by state, stalls, restarts, memory") { _ in
                let services = worker.subtree()
                var byState: [String: Int] = [:]
                for service in services { byState[service.state.description, default: 0] += 1 }
                let live = worker.lifecycle.tree.tasks.liveTasks()
                let running = Set(runningJobs().keys)
                let onThread = live.filter { $0.runtimeAddress.map(running.contains) ?? false }.count
                let finished = worker.lifecycle.tree.tasks.finishedTasks()
                let failed = finished.filter { $0.state == .failed }.count
                let restarts = services.map(\.restartCount).reduce(0, +)
                let runtime = worker.runtime.withLock { $0 }
                let uptime = runtime.map { seconds($0.startedAt.duration(to: .now)) } ?? 0
                let stalls = runtime?.watchdog?.reportCount ?? 0
                let rss = residentSetBytes()
                let warnings = taskWarnings(in: worker.lifecycle.tree.tasks, lints: TaskLints())
                let lines = [
                    "uptime:    \(WorkerSections.formatTenths(uptime)) s",
                    "services:  \(services.count) (" + byState.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                        .joined(separator: ", ") + ")",
                    "tasks:     \(live.count) live (\(onThread) running, \(live.count - onThread) suspended), "
                        + "\(finished.count) recently finished (\(failed) failed)",
                    "restarts:  \(restarts)",
                    "stalls:    \(stalls) reported (timeout \(runtime.map { "\($0.blockingTimeout)" } ?? "-"))",
                    "warnings:  \(warnings.count) (see warnings)",
                    "memory:    RSS \(rss / 1_048_576) MiB",
                    "pid:       \(getpid())",
                ]
                let json: JSONValue = .object([
                    ("uptime_s", .double(uptime)), ("services", .int(services.count)),
                    ("services_by_state", .object(byState.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                    ("tasks_live", .int(live.count)), ("tasks_running", .int(onThread)),
                    ("tasks_finished_recent", .int(finished.count)), ("tasks_failed_recent", .int(failed)),
                    ("restarts", .int(restarts)), ("stalls", .int(stalls)), ("warnings", .int(warnings.count)),
                    ("rss_bytes", .int(rss)),
                    ("pid", .int(Int(getpid()))),
                ])
                return ConsoleOutput(text: lines.joined(separator: "\n"), json: json)
            })
    }

    /// Resident set size from /proc/self/statm (pages × page size).
    static func residentSetBytes() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return 0 }
        let fields = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
