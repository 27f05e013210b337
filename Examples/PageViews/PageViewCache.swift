import Mode

/// Counts page views per path (mode's README uses Redis; an in-memory store keeps the demo self-contained).
actor PageViewCache: Service {
    let lifecycle = ServiceLifecycleState()
    private var counts: [String: Int] = [:]

    func onStart() async throws { counts = [:] }

    func update(_ url: String, by n: Int = 1) -> Int {
        counts[url, default: 0] += n
        return counts[url, default: 0]
    }
}
