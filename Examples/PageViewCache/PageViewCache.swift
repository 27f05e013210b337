import Mode

/// A cache service: state set up in `onStart`, async methods other services call.
/// (mode's README uses Redis; an in-memory store keeps the example self-contained.)
actor PageViewCache: Service {
    let lifecycle = ServiceLifecycleState()
    private var counts: [String: Int] = [:]

    func onStart() async throws {
        counts = [:]
        logger.info("Cache ready")
    }

    func update(_ url: String, by n: Int = 1) -> Int {
        counts[url, default: 0] += n
        return counts[url, default: 0]
    }

    func get(_ url: String) -> Int { counts[url, default: 0] }
}

@main
enum PageViewCacheExample {
    static func main() async throws {
        let cache = PageViewCache()
        try await cache.start()
        for url in ["/", "/about", "/", "/pricing", "/"] {
            let count = await cache.update(url)
            print("\(url) viewed \(count) time(s)")
        }
        print("state: \(cache.state), homepage: \(await cache.get("/"))")
        await cache.stop()
        print("state after stop: \(cache.state)")
    }
}
