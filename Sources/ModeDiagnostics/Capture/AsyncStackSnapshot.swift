/// A task's async stack, read from its task object and symbolicated: what the console's `where`, `ps -s` and
/// `stacks` and the thread dumps show for a task that no thread runs.
///
/// ```swift
/// let stack = AsyncStackSnapshot.read(taskAddress: address)
/// print(stack.state.rawValue, stack.frames.map { $0.render() })
/// ```
package struct AsyncStackSnapshot: Sendable, Equatable {
    /// What the read found.
    package enum State: String, Sendable {
        /// Parked at an `await`, waiting for a wake-up (a timer, a continuation, a child, an I/O event).
        case suspended
        /// Runnable, waiting for a thread or for an actor another task holds.
        case enqueued
        /// On a thread now: its native stack is the one to read.
        case running
        /// Completed.
        case ended
        /// It changed state while being read (it resumed or ended) every time it was read.
        case changed
        /// The address did not hold a readable task.
        case noTask = "unreadable"
        /// Async stacks are off (the self-check failed or has not finished): ``note`` says why.
        case unavailable
    }

    /// What the read found.
    package var state: State
    /// The async call chain, innermost first (empty unless ``state`` is suspended or enqueued).
    package var frames: [StackFrame]
    /// Why there are no frames, or that the chain was cut.
    package var note: String?

    /// A snapshot with no read behind it (a task that has not started has no task object to read yet).
    ///
    /// ```swift
    /// let stack = AsyncStackSnapshot(state: .noTask, note: "the task has not started")
    /// ```
    package init(state: State, frames: [StackFrame] = [], note: String?) {
        self.state = state
        self.frames = frames
        self.note = note
    }

    /// Reads made before giving up on a task that keeps changing state under the read.
    static let attempts = 3

    /// Reads the task at `taskAddress` with `reader` (the process-wide reader unless a test injects one) and
    /// symbolicates its chain.
    ///
    /// ```swift
    /// let stack = AsyncStackSnapshot.read(taskAddress: record.runtimeAddress!)
    /// ```
    package static func read(
        taskAddress: UInt,
        reader: (UInt) -> TaskObjectReader.AsyncStackReading = TaskObjectReader.readAsyncStack(taskAddress:),
        symbolicator: Symbolicator = .shared
    ) -> AsyncStackSnapshot {
        var reading = reader(taskAddress)
        for _ in 1..<attempts where reading == .changed { reading = reader(taskAddress) }
        switch reading {
        case .suspended(let stack):
            return AsyncStackSnapshot(
                state: stack.isEnqueued ? .enqueued : .suspended,
                frames: symbolicator.symbolicateAsyncStack(stack.continuations),
                note: stack.isComplete ? nil : "the chain was cut after \(stack.continuations.count) frames")
        case .running: return AsyncStackSnapshot(state: .running, frames: [], note: nil)
        case .ended: return AsyncStackSnapshot(state: .ended, frames: [], note: "the task has ended")
        case .changed:
            return AsyncStackSnapshot(state: .changed, frames: [], note: "task changed state while being read")
        case .noTask:
            return AsyncStackSnapshot(state: .noTask, frames: [], note: "the task object could not be read")
        case .unavailable(let reason):
            return AsyncStackSnapshot(state: .unavailable, frames: [], note: "not available: \(reason)")
        }
    }

    /// The innermost frame of the program's own code, as `ps -s` shows it: the first frame outside the Swift
    /// runtime libraries with a source location outside the build's dependency checkouts (`.build/`);
    /// failing that, with any source location (`Task.sleep`'s continuations, in the runtime or emitted into
    /// the program as `<compiler-generated>` code, say less than the function that awaited them); failing
    /// that, the first frame outside the runtime, else the first frame.
    package var innermostFrame: StackFrame? {
        let own = frames.filter { frame in
            guard let module = frame.module else { return true }
            return !Self.runtimeLibraries.contains { module.hasPrefix($0) }
        }
        let located = own.filter { frame in frame.file.map { !$0.hasSuffix("<compiler-generated>") } ?? false }
        return located.first { !($0.file?.contains("/.build/") ?? false) } ?? located.first ?? own.first
            ?? frames.first
    }

    static let runtimeLibraries = ["libswift_Concurrency", "libswiftCore", "libdispatch", "libswiftDispatch"]

    /// The lines `where` and dumps print: the frames (indented by `indent`), or the note.
    package func renderedLines(indent: String) -> [String] {
        var lines = frames.map { indent + $0.render() }
        if let note { lines.append(indent + "(\(note))") }
        return lines
    }
}
