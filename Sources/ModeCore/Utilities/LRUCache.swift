import Synchronization

/// A mapping that keeps at most `limit` entries, evicting the least recently used (mode's `LRUCache`).
///
/// - Reading a key (``subscript(_:)`` or ``value(forKey:)``) makes it the most recently used.
/// - Inserting a **new** key into a full cache evicts the least recently used entry first; assigning to an
///   **existing** key replaces its value, evicts nothing and — as in mode, whose `OrderedDict` keeps an
///   updated key in place — does not refresh its recency.
/// - ``update(_:)`` inserts many entries, then trims the oldest beyond the limit.
/// - Every operation is O(1) (a hash table over a doubly linked list) and takes one lock: the cache is safe
///   to use from several tasks and threads at once (mode turns its mutex on only on free-threaded Python).
///
/// ```swift
/// let cache = LRUCache<String, Int>(limit: 2)
/// cache["a"] = 1
/// cache["b"] = 2
/// _ = cache["a"]          // "a" is now the most recently used
/// cache["c"] = 3          // evicts "b"
/// cache.keys              // ["a", "c"], least recently used first
/// ```
public final class LRUCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The maximum number of entries; `nil` (or 0, as in mode) means unbounded.
    public let limit: Int?
    private let storage: Mutex<LRUStorage<Key, Value>>

    /// Creates an empty cache.
    ///
    /// ```swift
    /// let sessions = LRUCache<SessionID, Session>(limit: 10_000)
    /// ```
    public init(limit: Int? = nil) {
        self.limit = limit
        storage = Mutex(LRUStorage(limit: limit.flatMap { $0 > 0 ? $0 : nil }))
    }

    /// The value for `key` (making it the most recently used), or `nil`; assigning stores it (`nil` removes).
    ///
    /// ```swift
    /// cache["user:1"] = profile
    /// if let hit = cache["user:1"] { print(hit) }
    /// ```
    public subscript(key: Key) -> Value? {
        get { value(forKey: key) }
        set {
            if let newValue {
                setValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// The value for `key`, making it the most recently used; `nil` when absent.
    public func value(forKey key: Key) -> Value? {
        storage.withLock { $0.touch(key) }
    }

    /// The value for `key` without changing its recency.
    public func peek(_ key: Key) -> Value? {
        storage.withLock { $0.peek(key) }
    }

    /// Whether `key` is cached (does not change its recency).
    public func contains(_ key: Key) -> Bool {
        storage.withLock { $0.slot(key) != nil }
    }

    /// Stores `value` for `key`. A new key in a full cache first evicts the least recently used entry,
    /// which is returned; updating an existing key evicts nothing.
    ///
    /// ```swift
    /// if let (key, _) = cache.setValue(session, forKey: id) { print("evicted \(key)") }
    /// ```
    @discardableResult
    public func setValue(_ value: Value, forKey key: Key) -> (key: Key, value: Value)? {
        storage.withLock { $0.store(key, value) }
    }

    /// Removes `key`; returns its value if it was cached.
    @discardableResult
    public func removeValue(forKey key: Key) -> Value? {
        storage.withLock { $0.remove(key) }
    }

    /// Stores every pair in order, then trims the least recently used entries beyond the limit (mode's
    /// `update`).
    ///
    /// ```swift
    /// cache.update([("a", 1), ("b", 2)])
    /// ```
    public func update(_ pairs: some Sequence<(Key, Value)>) {
        storage.withLock { storage in
            for (key, value) in pairs { _ = storage.store(key, value, evicting: false) }
            storage.trim()
        }
    }

    /// Removes and returns the most recently used entry (`last: true`, mode's default) or the least.
    @discardableResult
    public func popItem(last: Bool = true) -> (key: Key, value: Value)? {
        storage.withLock { $0.pop(last: last) }
    }

    /// Removes every entry.
    public func removeAll() {
        storage.withLock { $0 = LRUStorage(limit: $0.limit) }
    }

    /// The number of entries.
    public var count: Int { storage.withLock { $0.count } }

    /// Whether the cache is empty.
    public var isEmpty: Bool { count == 0 }

    /// A snapshot of the keys, least recently used first (mode's iteration order).
    public var keys: [Key] { storage.withLock { $0.entries().map(\.key) } }

    /// A snapshot of the entries, least recently used first.
    public var items: [(key: Key, value: Value)] { storage.withLock { $0.entries() } }
}

/// The hash table and intrusive doubly linked list behind ``LRUCache`` (guarded by its mutex).
struct LRUStorage<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value?
        var previous: Int
        var next: Int
    }

    let limit: Int?
    private var slots: [Key: Int] = [:]
    private var nodes: [Node] = []
    private var free: [Int] = []
    /// Least and most recently used nodes (-1 when empty).
    private var oldest = -1
    private var newest = -1

    init(limit: Int?) {
        self.limit = limit
    }

    var count: Int { slots.count }

    func slot(_ key: Key) -> Int? { slots[key] }

    func peek(_ key: Key) -> Value? { slots[key].flatMap { nodes[$0].value } }

    mutating func touch(_ key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        unlink(slot)
        append(slot)
        return nodes[slot].value
    }

    mutating func store(_ key: Key, _ value: Value, evicting: Bool = true) -> (key: Key, value: Value)? {
        if let slot = slots[key] {
            nodes[slot].value = value
            return nil
        }
        var evicted: (key: Key, value: Value)?
        if evicting, let limit, slots.count >= limit {
            evicted = pop(last: false)
        }
        let node = Node(key: key, value: value, previous: -1, next: -1)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        slots[key] = slot
        append(slot)
        return evicted
    }

    mutating func remove(_ key: Key) -> Value? {
        guard let slot = slots.removeValue(forKey: key) else { return nil }
        return release(slot)
    }

    mutating func pop(last: Bool) -> (key: Key, value: Value)? {
        let slot = last ? newest : oldest
        guard slot >= 0 else { return nil }
        let key = nodes[slot].key
        slots.removeValue(forKey: key)
        guard let value = release(slot) else { return nil }
        return (key, value)
    }

    mutating func trim() {
        guard let limit else { return }
        while slots.count > limit { _ = pop(last: false) }
    }

    func entries() -> [(key: Key, value: Value)] {
        var result: [(key: Key, value: Value)] = []
        result.reserveCapacity(slots.count)
        var slot = oldest
        while slot >= 0 {
            if let value = nodes[slot].value { result.append((nodes[slot].key, value)) }
            slot = nodes[slot].next
        }
        return result
    }

    private mutating func release(_ slot: Int) -> Value? {
        unlink(slot)
        let value = nodes[slot].value
        nodes[slot].value = nil
        free.append(slot)
        return value
    }

    private mutating func append(_ slot: Int) {
        nodes[slot].previous = newest
        nodes[slot].next = -1
        if newest >= 0 { nodes[newest].next = slot } else { oldest = slot }
        newest = slot
    }

    private mutating func unlink(_ slot: Int) {
        let (previous, next) = (nodes[slot].previous, nodes[slot].next)
        if previous >= 0 { nodes[previous].next = next } else { oldest = next }
        if next >= 0 { nodes[next].previous = previous } else { newest = previous }
        nodes[slot].previous = -1
        nodes[slot].next = -1
    }
}
