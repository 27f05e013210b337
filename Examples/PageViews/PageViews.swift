import ArgumentParser
import Mode
import NIOPosix

/// The app: a tree of services, as in mode's README.
///
///     [^Worker]
///       [^-AppService]
///         [^--Websockets]  [^--UserCache]  [^--Webserver]  [^--PageViewCache]
actor AppService: Service {
    let lifecycle = ServiceLifecycleState()
    let websockets = Websockets()
    let userCache = UserCache()
    let pageViewCache = PageViewCache()
    let webserver: Webserver

    init(group: MultiThreadedEventLoopGroup, port: Int) {
        webserver = Webserver(cache: pageViewCache, users: userCache, hub: websockets, group: group, port: port)
    }

    nonisolated var dependencies: [any Service] { [websockets, userCache, webserver, pageViewCache] }
}

/// `swift run --package-path Examples PageViews` — then `curl 127.0.0.1:8000/pageviews/home`,
/// `telnet 127.0.0.1 50101`, Ctrl-C to stop.
@main
struct PageViews: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "swift-mode's demo: a page-view counter served over HTTP by a tree of services."
    )

    @OptionGroup var worker: WorkerOptions

    @Option(help: "The HTTP port.")
    var port: Int = 8000

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let app = Worker(AppService(group: group, port: port), options: try worker.resolved())
        app.watch(eventLoopGroup: group, name: "http")
        await app.run()
    }
}
