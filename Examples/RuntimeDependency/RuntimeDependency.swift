import Mode

/// A child service, started by its parent at runtime.
actor PageViewCache: Service {
    let lifecycle = ServiceLifecycleState()
    private var counts: [String: Int] = [:]

    func update(_ url: String, by n: Int = 1) -> Int {
        counts[url, default: 0] += n
        return counts[url, default: 0]
    }
}

/// An app that adds its cache as a dependency while it is starting (mode's `add_runtime_dependency`):
/// the cache starts at once, is part of the tree, and stops with the app.
actor App: Service {
    let lifecycle = ServiceLifecycleState()
    let cache = PageViewCache()

    func onStart() async throws {
        try await addRuntimeDependency(cache)
    }

    func view(_ url: String) async -> Int { await cache.update(url) }
}

@main
enum RuntimeDependencyExample {
    static func main() async throws {
        let app = App()
        try await app.start()
        print("cache path: \(app.cache.path), state: \(app.cache.state)")
        print("/ viewed \(await app.view("/")) time(s)")
        print("/ viewed \(await app.view("/")) time(s)")
        await app.stop()
        print("cache state after the app stopped: \(app.cache.state)")
    }
}
