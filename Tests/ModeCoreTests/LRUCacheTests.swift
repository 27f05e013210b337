import ModeCore
import Testing

@Suite("LRUCache (mode's LRUCache)")
struct LRUCacheTests {
    @Test("inserting a new key into a full cache evicts the least recently used")
    func evictsLeastRecent() {
        let cache = LRUCache<String, Int>(limit: 3)
        cache["a"] = 1
        cache["b"] = 2
        cache["c"] = 3
        let evicted = cache.setValue(4, forKey: "d")
        #expect(evicted?.key == "a" && evicted?.value == 1)
        #expect(cache.keys == ["b", "c", "d"])
        #expect(cache["a"] == nil)
        #expect(cache.count == 3)
    }

    @Test("a get refreshes recency")
    func getRefreshes() {
        let cache = LRUCache<String, Int>(limit: 3)
        for (key, value) in [("a", 1), ("b", 2), ("c", 3)] { cache[key] = value }
        #expect(cache["a"] == 1)
        cache["d"] = 4
        #expect(cache.keys == ["c", "a", "d"])
        #expect(cache.value(forKey: "c") == 3)
        cache["e"] = 5
        #expect(cache.keys == ["d", "c", "e"])
        #expect(!cache.contains("a"))
    }

    @Test("updating an existing key evicts nothing and (as mode's OrderedDict) keeps its place")
    func updateEvictsNothing() {
        let cache = LRUCache<String, Int>(limit: 2)
        cache["a"] = 1
        cache["b"] = 2
        #expect(cache.setValue(10, forKey: "a") == nil)
        #expect(cache.count == 2)
        #expect(cache.items.map(\.value) == [10, 2])
        cache["c"] = 3                                   // "a" is still the least recent
        #expect(cache.keys == ["b", "c"])
    }

    @Test("peek and contains do not touch; update trims; popItem; removal; no limit")
    func otherOperations() {
        let cache = LRUCache<Int, String>(limit: 2)
        cache[1] = "one"
        cache[2] = "two"
        #expect(cache.peek(1) == "one" && cache.contains(1))
        cache[3] = "three"
        #expect(cache.keys == [2, 3])
        cache.update([(4, "four"), (5, "five"), (6, "six")])
        #expect(cache.keys == [5, 6])
        #expect(cache.popItem()?.key == 6)
        #expect(cache.popItem(last: false)?.key == 5)
        #expect(cache.popItem() == nil)
        cache[7] = "seven"
        cache[7] = nil
        #expect(cache.isEmpty)
        let unbounded = LRUCache<Int, Int>(limit: 0)
        for value in 0..<1_000 { unbounded[value] = value }
        #expect(unbounded.count == 1_000)
    }

    @Test("safe from many tasks: the limit holds and every entry stays consistent")
    func concurrentUse() async {
        let cache = LRUCache<Int, Int>(limit: 64)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for step in 0..<2_000 {
                        let key = (worker * 7 + step) % 200
                        if step % 3 == 0 { _ = cache[key] } else { cache[key] = key * 2 }
                    }
                }
            }
        }
        let items = cache.items
        #expect(items.count <= 64 && items.count == cache.count)
        #expect(items.allSatisfy { $0.value == $0.key * 2 })
        #expect(Set(items.map(\.key)).count == items.count)
    }
}
