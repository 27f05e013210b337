import Mode

/// mode's background-task example: a one-shot task and a loop that runs until the service stops.
actor App: Service {
    let lifecycle = ServiceLifecycleState()
    private var ticks = 0

    nonisolated var tasks: [ServiceTask] {
        [
            .task("runs-in-background") {
                print("BACKGROUND TASK STARTING")
                await self.sleep(for: .seconds(1))
                print("BACKGROUND SERVICE WAKING UP")
            },
            .task("background-loop") {
                while !self.shouldStop {
                    await self.sleep(for: .milliseconds(500))
                    if !self.shouldStop { await self.tick() }
                }
            },
        ]
    }

    func tick() {
        ticks += 1
        print("TICK \(ticks)")
    }
}

@main
enum BackgroundTasksExample {
    static func main() async throws {
        let app = App()
        try await app.start()
        for record in app.ownedTasks {
            print("task #\(record.id) \(record.name) [\(record.kind)] created at \(record.creationSite)")
        }
        // Run for two seconds, then stop: the loop sees `shouldStop`, its sleep returns early.
        try await Task.sleep(for: .seconds(2))
        await app.stop()
        print("stopped: \(app.state)")
    }
}
