// A child process for the Worker's tests: `ModeWorkerFixture <scenario> [worker options...]`.
// Each scenario is a small service tree run by a real Worker, so tests observe real signals, exit
// statuses, log files, stall reports, crash reports and the console over TCP.
import Mode

#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "service-group" {
    // A Worker as a member of the application's own ServiceGroup, which owns the signals.
    await ServiceGroupScenario.run(options: WorkerOptions.parseOrExit(arguments: Array(arguments.dropFirst())))
}
guard let scenarioName = arguments.first, let scenario = Scenario.all[scenarioName] else {
    let names = Scenario.all.keys.sorted().joined(separator: ", ")
    Worker.writeFixtureError("usage: ModeWorkerFixture <scenario> [worker options]; scenarios: \(names)\n")
    exit(64)
}
var options = WorkerOptions.parseOrExit(arguments: Array(arguments.dropFirst()))
scenario.adjustOptions(&options)
let worker = Worker(scenario.makeRoot(), options: options, daemon: scenario.daemon, logging: scenario.logging)
scenario.configure(worker)
await worker.run()
