import Mode

/// Remembers which clients were seen recently; a background task evicts entries idle for a minute.
actor UserCache: Service {
    let lifecycle = ServiceLifecycleState()
    private var lastSeen: [String: ContinuousClock.Instant] = [:]

    nonisolated var tasks: [ServiceTask] {
        [.task("evict-idle-users") {
            while !self.shouldStop {
                await self.sleep(for: .seconds(10))
                await self.evict(olderThan: .seconds(60))
            }
        }]
    }

    func seen(_ client: String) -> Int {
        lastSeen[client] = .now
        return lastSeen.count
    }

    func evict(olderThan age: Duration) {
        let now = ContinuousClock.now
        lastSeen = lastSeen.filter { $0.value.duration(to: now) < age }
    }
}
