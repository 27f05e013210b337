/// One thread of this process as `/proc/self/task/TID` describes it.
///
/// ```swift
/// for thread in ThreadInventory.list() { print(thread.tid, thread.name, thread.state) }
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

    /// Creates a thread description.
    ///
    /// ```swift
    /// let info = ThreadInfo(tid: 42, name: "worker", state: "S", wchan: "futex_wait_queue")
    /// ```
    public init(tid: Int32, name: String, state: String, wchan: String? = nil) {
        self.tid = tid
        self.name = name
        self.state = state
        self.wchan = wchan
    }
}
