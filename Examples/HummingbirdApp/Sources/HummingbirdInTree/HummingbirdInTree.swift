import ArgumentParser
import Hummingbird
import Mode

/// A plain swift-mode service next to the web application: it counts greetings and reports them on a
/// background task.
actor GreetingCounter: Service {
    let lifecycle = ServiceLifecycleState()
    private var greeted: [String: Int] = [:]

    nonisolated var tasks: [ServiceTask] {
        [.task("report") {
            while !self.shouldStop {
                await self.sleep(for: .seconds(5))
                await self.report()
            }
        }]
    }

    func greet(_ name: String) -> Int {
        greeted[name, default: 0] += 1
        return greeted[name, default: 0]
    }

    func report() {
        if !greeted.isEmpty { logger.info("Greeted \(greeted.count) people so far") }
    }
}

/// The app: the counter and the Hummingbird application, side by side in one tree.
///
///     [^Worker] -> [^-App] -> [^--GreetingCounter], [^--Hummingbird]
final class App: Service {
    let lifecycle = ServiceLifecycleState()
    let counter: GreetingCounter
    let http: LifecycleServiceHost

    init(port: Int) {
        let counter = GreetingCounter()
        let router = Router()
        router.get("/hello/:name") { _, context -> String in
            let name = context.parameters.get("name") ?? "world"
            let count = await counter.greet(name)
            return "Hello, \(name)! (\(count))\n"
        }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            logger: Logger(label: "hummingbird")
        )
        self.counter = counter
        // The hosted application sees a graceful shutdown exactly as in a ServiceGroup.
        self.http = LifecycleServiceHost(application, label: "Hummingbird")
    }

    var dependencies: [any Service] { [counter, http] }
}

@main
struct HummingbirdInTree: AsyncParsableCommand {
    @OptionGroup var worker: WorkerOptions

    @Option(help: "The HTTP port.")
    var port: Int = 8080

    func run() async throws {
        await Worker(App(port: port), options: try worker.resolved()).run()
    }
}
