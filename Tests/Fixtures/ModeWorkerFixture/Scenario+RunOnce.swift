import Mode

#if canImport(Glibc)
import Glibc
#endif

extension Scenario {
    /// A CLI-style program: a non-daemon Worker whose service does its work in `onStart`; a shutdown hook
    /// reports the exit and the tree's state once the tree has stopped.
    static var runOnce: Scenario {
        var scenario = Scenario(makeRoot: { AppService(children: [Ticker(), OneShot()]) }) { worker in
            worker.onWorkerShutdown { exit in
                Worker.writeFixtureError("worker shutdown hook: \(exit), tree \(worker.state)\n")
            }
        }
        scenario.daemon = false
        return scenario
    }
}

/// Does its whole job while starting, as a command-line tool would.
actor OneShot: Service {
    let lifecycle = ServiceLifecycleState()
    func onStart() async throws { logger.info("one-shot: work done") }
}
