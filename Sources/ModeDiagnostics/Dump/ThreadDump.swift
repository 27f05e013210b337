import CModeSupport

#if canImport(Glibc)
import Glibc
#endif

/// A snapshot of every thread of the process: name, state, native stack (symbolicated), and the task running
/// on it, plus sections added by the caller.
///
/// ```swift
/// try StackCapture.install()
/// var dump = ThreadDump.capture()
/// dump.sections.append(.init(title: "service tree", lines: tree))
/// logger.info("\(dump.render())")
/// ```
public struct ThreadDump: Sendable, Codable, Equatable {
    /// A section appended by the caller.
    public typealias Section = DiagnosticSection

    /// One thread of the dump.
    public struct Thread: Sendable, Codable, Equatable {
        /// Name, state and wchan.
        public var info: ThreadInfo
        /// The thread's frames, innermost first (empty when the capture failed: see `note`).
        public var frames: [StackFrame]
        /// The unwinder used, `nil` when no capture happened.
        public var unwinder: Unwinder?
        /// Why the stack is missing or degraded.
        public var note: String?
        /// The label of the task/job running on the thread (stall helper's activity table), if any.
        public var task: String?
        /// Whether this is the thread that built the dump.
        public var isCurrent: Bool

        /// Creates a thread entry.
        ///
        /// ```swift
        /// let entry = ThreadDump.Thread(info: info, frames: frames, unwinder: .libunwind)
        /// ```
        public init(
            info: ThreadInfo, frames: [StackFrame], unwinder: Unwinder?, note: String? = nil, task: String? = nil,
            isCurrent: Bool = false
        ) {
            self.info = info
            self.frames = frames
            self.unwinder = unwinder
            self.note = note
            self.task = task
            self.isCurrent = isCurrent
        }
    }

    /// Process id.
    public var pid: Int32
    /// Wall-clock time of the dump, milliseconds since 1970-01-01 UTC.
    public var unixTimeMilliseconds: Int64
    /// Why the dump was taken ("SIGUSR1", "console", "stall").
    public var reason: String
    /// The threads, by tid.
    public var threads: [Thread]
    /// Sections appended by the caller (tasks by service, service tree...).
    /// Every live task the owner tracks, grouped by service, with the async stack of each task no thread runs
    /// (`nil` when the owner tracks none: the key is then omitted).
    public var tasks: [TaskStack]?
    public var sections: [Section]
    /// Time spent capturing native stacks, microseconds.
    public var captureMicroseconds: Int
    /// Time spent symbolicating, microseconds.
    public var symbolicationMicroseconds: Int

    /// Creates a dump from parts.
    ///
    /// ```swift
    /// let empty = ThreadDump(pid: getpid(), unixTimeMilliseconds: 0, reason: "test", threads: [])
    /// ```
    public init(
        pid: Int32, unixTimeMilliseconds: Int64, reason: String, threads: [Thread], sections: [Section] = [],
        captureMicroseconds: Int = 0, symbolicationMicroseconds: Int = 0
    ) {
        self.pid = pid
        self.unixTimeMilliseconds = unixTimeMilliseconds
        self.reason = reason
        self.threads = threads
        self.sections = sections
        self.captureMicroseconds = captureMicroseconds
        self.symbolicationMicroseconds = symbolicationMicroseconds
    }

    /// Captures every thread: the calling thread directly, the others through SIGPROF, then symbolicates.
    /// Installs ``StackCapture`` if needed.
    ///
    /// ```swift
    /// let dump = ThreadDump.capture(reason: "console")
    /// ```
    /// - Parameters:
    ///   - reason: recorded in the dump.
    ///   - symbolicate: `false` keeps only `module+offset` (cheaper; resolve offline).
    ///   - timeout: per-thread capture deadline.
    @inline(never)
    public static func capture(
        reason: String = "request", symbolicate: Bool = true, timeout: Duration = .milliseconds(250)
    ) -> ThreadDump {
        try? StackCapture.install()
        let me = ThreadInventory.currentThreadID()
        let captureClock = ContinuousClock.now
        var raw: [(ThreadInfo, Result<RawStack, StackCaptureError>, String?)] = []
        for info in ThreadInventory.list() {
            let stack: Result<RawStack, StackCaptureError>
            if info.tid == me {
                stack = .success(StackCapture.captureCurrentThread())
            } else {
                do { stack = .success(try StackCapture.capture(threadID: info.tid, timeout: timeout)) }
                catch let error as StackCaptureError { stack = .failure(error) }
                catch { stack = .failure(StackCaptureError(code: .failed, message: "\(error)")) }
            }
            raw.append((info, stack, taskLabel(threadID: info.tid)))
        }
        let captureTime = ContinuousClock.now - captureClock
        let symbolicationClock = ContinuousClock.now
        let threads = raw.map { info, stack, task -> Thread in
            switch stack {
            case .success(let stack):
                let frames =
                    symbolicate
                    ? Symbolicator.shared.symbolicate(stack)
                    : stack.addresses.enumerated().map {
                        Symbolicator.fallbackFrame(index: $0, address: $1, lookUpSymbol: false)
                    }
                return Thread(
                    info: info, frames: frames, unwinder: stack.unwinder, note: stack.note, task: task,
                    isCurrent: info.tid == me)
            case .failure(let error):
                return Thread(
                    info: info, frames: [], unwinder: nil, note: "capture failed: \(error.message)", task: task,
                    isCurrent: info.tid == me)
            }
        }
        let symbolicationTime = ContinuousClock.now - symbolicationClock
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return ThreadDump(
            pid: getpid(), unixTimeMilliseconds: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000,
            reason: reason, threads: threads, captureMicroseconds: Self.microseconds(captureTime),
            symbolicationMicroseconds: Self.microseconds(symbolicationTime))
    }

    /// The label of the task running on `threadID` (from the activity table), if any.
    static func taskLabel(threadID: Int32) -> String? {
        var job: UInt = 0
        var buffer = [CChar](repeating: 0, count: Int(C_MODE_CRASH_LABEL_SIZE))
        let length = c_mode_label_for_thread(threadID, &job, &buffer, Int32(buffer.count))
        if length >= 0 {
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return job != 0 ? "job " + StackFrame.hex(job, width: 0) : nil
    }

    static func microseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000)
    }
}
