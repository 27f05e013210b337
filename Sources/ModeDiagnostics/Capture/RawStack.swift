/// The native return addresses of one thread, innermost first, before symbolication.
///
/// ```swift
/// let stack = try StackCapture.capture(threadID: tid)
/// let frames = Symbolicator.shared.symbolicate(stack)
/// ```
public struct RawStack: Sendable, Equatable {
    /// Frame 0 is the interrupted program counter (signal capture) or a return address (current thread); the
    /// others are return addresses.
    public var addresses: [UInt]
    /// Which unwinder produced the addresses.
    public var unwinder: Unwinder
    /// Why the stack may be degraded (frame-pointer fallback, truncation), `nil` when nothing is worth saying.
    public var note: String?
    /// Whether `addresses[0]` is an exact program counter (true for a signal capture) rather than a return
    /// address; symbolication looks return addresses up at `address - 1`.
    public var firstFrameIsExactPC: Bool
    /// Continuation addresses of the async callers of the Swift async function running at frame
    /// ``asyncCallersFollowFrame`` (innermost caller first): the `serviceC <- serviceB <- serviceA` chain that
    /// is not on the native stack. Candidates until symbolication confirms them.
    public var asyncCallers: [UInt] = []
    /// Index of the native frame the async callers belong after, `nil` when there are none.
    public var asyncCallersFollowFrame: Int? = nil
    /// The Swift task that was running on the thread when it was captured (the runtime's current task, read
    /// in the signal handler), `nil` outside a task. More exact than the executor's job address: a job can
    /// switch inline to another task (a task group's parent resumed by its last child).
    public var swiftTask: UInt? { runningTask?.address }
    /// The Swift task that was running on the thread, with how it was created and the task-local that names
    /// its service task (see ``RunningTask``); `nil` outside a task or when the stack was not captured by signal.
    public var runningTask: RunningTask? = nil

    /// Creates a stack from addresses you captured elsewhere.
    ///
    /// ```swift
    /// let stack = RawStack(addresses: [0x5555_5555_1234], unwinder: .framePointer)
    /// ```
    public init(addresses: [UInt], unwinder: Unwinder, note: String? = nil, firstFrameIsExactPC: Bool = true) {
        self.addresses = addresses
        self.unwinder = unwinder
        self.note = note
        self.firstFrameIsExactPC = firstFrameIsExactPC
    }
}
