// A child process for the options tests: the README's pattern, verbatim — an `AsyncParsableCommand` that
// embeds `@OptionGroup var worker: WorkerOptions` and runs a Worker with `try worker.resolved()`.
// `ModeWorkerCommandFixture --loglevel nonsense` must print one line and exit 64.
import ArgumentParser
import Mode

/// A service that stops the Worker as soon as it is started, so a good command line exits 0 at once.
actor StopAtOnce: Service {
    let lifecycle = ServiceLifecycleState()
    func onStarted() async throws { (root as? Worker)?.requestStop() }
}

@main
struct ModeWorkerCommandFixture: AsyncParsableCommand {
    @OptionGroup var worker: WorkerOptions

    @Option(help: "An option of the application's own.")
    var port: Int = 8000

    func run() async throws {
        await Worker(StopAtOnce(), options: try worker.resolved()).run()
    }
}
