import Dispatch
import ModeConsole
import ModeCore
import Synchronization

extension WorkerConsoleCommands {
    static func registerServiceCommands(in registry: ConsoleCommandRegistry, worker: Worker) {
        registry.register(
            ConsoleCommand(
                name: "services", aliases: ["tree"], summary: "The service tree with state, restarts, crash, uptime"
            ) { _ in
                var table = ConsoleTable(columns: [
                    .init("Service"), .init("State"), .init("Restarts", alignment: .right),
                    .init("Uptime", alignment: .right), .init("Tasks", alignment: .right), .init("Crash"),
                ])
                var rows: [JSONValue] = []
                for service in worker.subtree() {
                    let indent = String(repeating: "  ", count: service.depth - 1)
                    let crash = service.state == .crashed ? service.crashReason.map { String(reflecting: $0) } : nil
                    let tasks = service.ownedTasks.count
                    table.append([
                        indent + service.label, service.state.description, "\(service.restartCount)",
                        service.uptime.map(WorkerSections.formatSeconds) ?? "-", "\(tasks)", crash ?? "",
                    ])
                    rows.append(
                        .object([
                            ("path", .string(service.path)), ("label", .string(service.label)),
                            ("depth", .int(service.depth)), ("state", .string(service.state.description)),
                            ("restarts", .int(service.restartCount)),
                            ("uptime_s", service.uptime.map { .double(seconds($0)) } ?? .null),
                            ("tasks", .int(tasks)), ("crash", crash.map(JSONValue.string) ?? .null),
                            ("crash_origin", service.crashOrigin.map(JSONValue.string) ?? .null),
                        ]))
                }
                return ConsoleOutput.table(table, json: ["services": .array(rows)])
            })
        registry.register(
            ConsoleCommand(name: "graph", summary: "The service graph as Graphviz DOT") { _ in
                let dot = worker.graph()
                return ConsoleOutput(text: dot, json: ["dot": .string(dot)])
            })
        registry.register(
            ConsoleCommand(
                name: "restart", summary: "Restart one service (and its subtree)", usage: "restart <service-path>",
                help: "Paths are as in `services`: Worker/AppService/Webserver (the Worker/ prefix is optional)."
            ) { invocation in
                let service = try findService(worker, invocation.arguments, usage: "restart <service-path>")
                return act(on: service, verb: "restarted") { try await service.restart() }
            })
        registry.register(
            ConsoleCommand(
                name: "stop", summary: "Stop one service (and its subtree)", usage: "stop <service-path>",
                help: "Stopping the Worker itself stops the process, like SIGTERM."
            ) { invocation in
                let service = try findService(worker, invocation.arguments, usage: "stop <service-path>")
                if service === worker {
                    worker.requestStop()
                    return ConsoleOutput(text: "stopping the worker", json: ["stopping": .string(worker.path)])
                }
                return act(on: service, verb: "stopped") { await service.stop() }
            })
    }

    static func findService(_ worker: Worker, _ arguments: [String], usage: String) throws -> any Service {
        guard arguments.count == 1 else { throw ConsoleError.usage(usage) }
        guard let service = worker.service(atPath: arguments[0]) else {
            let paths = worker.subtree().map(\.path)
            let near = paths.first { $0.lowercased().hasSuffix(arguments[0].lowercased()) }
            throw ConsoleError.notFound(
                "no service at '\(arguments[0])'" + (near.map { ". Did you mean '\($0)'?" } ?? " (see services)"))
        }
        return service
    }

    /// Runs a lifecycle action on the worker's executor and waits for it a little: the console thread must
    /// not hang on a service that never finishes stopping.
    static func act(
        on service: any Service, verb: String, _ action: @escaping @Sendable () async throws -> Void
    ) -> ConsoleOutput {
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        Task(executorPreference: service.taskExecutor) {
            do { try await action() } catch { failure.withLock { $0 = String(reflecting: error) } }
            done.signal()
        }
        if done.wait(timeout: .now() + .seconds(5)) == .timedOut {
            return ConsoleOutput(
                text: "\(service.path): still in progress after 5 s (state \(service.state))",
                json: ["service": .string(service.path), "state": .string(service.state.description), "done": false])
        }
        if let message = failure.withLock({ $0 }) {
            return .error("\(service.path): \(message)")
        }
        return ConsoleOutput(
            text: "\(verb) \(service.path) (state \(service.state), restarts \(service.restartCount))",
            json: ["service": .string(service.path), "state": .string(service.state.description), "done": true])
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
