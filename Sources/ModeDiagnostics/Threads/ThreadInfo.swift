/// One thread of this process as `/proc/self/task/TID` describes it.
///
/// ```swift
/// for thread in ThreadInventory.list() { print(thread.tid, thread.displayName, thread.state) }
/// ```
public struct ThreadInfo: Sendable, Codable, Equatable {
    /// Kernel thread id.
    public var tid: Int32
    /// Thread name (`comm`, at most 15 bytes).
    public var name: String
    /// Scheduler state from `stat`: `R` running, `S` sleeping, `D` uninterruptible, `T` stopped, `Z` zombie...
    public var state: String
    /// The kernel function the thread sleeps in (`wchan`), when the kernel exposes it.
    public var wchan: String?
    /// Whether ``name`` is a name swift-mode gave to ANOTHER thread: a new thread starts with its creator's
    /// name, so a plain `Thread` started from a task on `mode-exec-1` is also called `mode-exec-1`.
    public var nameIsInherited: Bool

    /// ``name``, followed by ` (inherited name)` when it was inherited: what reports print.
    ///
    /// ```swift
    /// print(ThreadInfo(tid: 7, name: "mode-exec-1", state: "S", nameIsInherited: true).displayName)
    /// // mode-exec-1 (inherited name)
    /// ```
    public var displayName: String { nameIsInherited ? "\(name) (inherited name)" : name }

    /// Creates a thread description.
    ///
    /// ```swift
    /// let info = ThreadInfo(tid: 42, name: "worker", state: "S", wchan: "futex_wait_queue")
    /// ```
    public init(tid: Int32, name: String, state: String, wchan: String? = nil, nameIsInherited: Bool = false) {
        self.tid = tid
        self.name = name
        self.state = state
        self.wchan = wchan
        self.nameIsInherited = nameIsInherited
    }

    private enum CodingKeys: String, CodingKey { case tid, name, state, wchan, nameIsInherited }

    /// Encodes a thread; `nameIsInherited` only when `true`, so other records keep their earlier shape.
    ///
    /// ```swift
    /// let json = try JSONEncoder().encode(ThreadInfo(tid: 1, name: "a", state: "S"))
    /// ```
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tid, forKey: .tid)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encodeIfPresent(wchan, forKey: .wchan)
        if nameIsInherited { try container.encode(true, forKey: .nameIsInherited) }
    }

    /// Decodes a thread; `nameIsInherited` is optional (absent in records written before it existed).
    ///
    /// ```swift
    /// let info = try JSONDecoder().decode(ThreadInfo.self, from: Data(#"{"tid":1,"name":"a","state":"S"}"#.utf8))
    /// ```
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tid = try container.decode(Int32.self, forKey: .tid)
        name = try container.decode(String.self, forKey: .name)
        state = try container.decode(String.self, forKey: .state)
        wchan = try container.decodeIfPresent(String.self, forKey: .wchan)
        nameIsInherited = try container.decodeIfPresent(Bool.self, forKey: .nameIsInherited) ?? false
    }
}
