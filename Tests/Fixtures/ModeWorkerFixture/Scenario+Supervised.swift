import Mode

extension Scenario {
    /// A one-for-one supervisor ("App") over a service that crashes 50 ms after every start, with a fast
    /// backoff (10, 20, 40 ms) and a limit of 3 restarts in 10 s: the fourth crash logs "Max restarts
    /// exceeded" and the Worker exits with status 1 after about half a second.
    static func supervisedRoot() -> any Service {
        var policy = SupervisionPolicy(strategy: .oneForOne)
        policy.maxRestarts = 3
        policy.backoff.base = .milliseconds(10)
        let app = Supervisor(policy: policy, label: "App")
        app.supervise(CrashingAfterStart())
        return app
    }
}

struct InjectedFlakyFailure: Error, CustomStringConvertible {
    var description: String { "flaky dependency went away (injected by the fixture)" }
}

/// Crashes 50 ms after each start.
actor CrashingAfterStart: Service {
    let lifecycle = ServiceLifecycleState(label: "Flaky")
    nonisolated var tasks: [ServiceTask] {
        [.task("work") {
            await self.sleep(for: .milliseconds(50))
            if !self.shouldStop { throw InjectedFlakyFailure() }
        }]
    }
}
