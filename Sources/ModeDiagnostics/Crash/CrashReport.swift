/// A crash report as logged by ``CrashReporter`` (schema: Diagnostics/Formats/crash-report.md).
///
/// Two records are written per crash: the async-signal-safe `core` part (module+offset frames) and, when the
/// best-effort part completes, the `symbolicated` part (names, file:line, sections). In JSON each record is
/// one line that decodes as ``CrashReportRecord``.
///
/// ```swift
/// let record = try JSONDecoder().decode(CrashReportRecord.self, from: Data(line.utf8))
/// print(record.crash.fatalError ?? record.crash.signal)
/// ```
public struct CrashReport: Sendable, Codable, Equatable {
    /// An image mentioned by the frames.
    public struct Image: Sendable, Codable, Equatable {
        /// File name.
        public var name: String
        /// Full path at crash time (give the unstripped copy to `mode-symbolicate`).
        public var path: String
        /// Load bias: `address - loadBias` is the frame's `moduleOffset`.
        public var loadBias: UInt

        /// Creates an image entry.
        ///
        /// ```swift
        /// CrashReport.Image(name: "App", path: "/srv/App", loadBias: 0x5555_5555_4000)
        /// ```
        public init(name: String, path: String, loadBias: UInt) {
            self.name = name
            self.path = path
            self.loadBias = loadBias
        }
    }

    /// A section appended by the owner of the reporter.
    public typealias Section = DiagnosticSection

    /// `"core"` (async-signal-safe record) or `"symbolicated"` (best-effort record).
    public var part: String
    /// `"SIGILL"`, `"SIGSEGV"`...
    public var signal: String
    /// The signal number.
    public var signalNumber: Int32
    /// `si_code` (e.g. 2 = ILL_ILLOPN, 1 = SEGV_MAPERR, negative = sent by a process).
    public var code: Int32
    /// `si_addr`: the faulting data address (SIGSEGV/SIGBUS) or instruction (SIGILL/SIGFPE).
    public var faultAddress: UInt
    /// Program counter at the fault.
    public var pc: UInt
    /// Process id.
    public var pid: Int32
    /// Crashing thread id.
    public var tid: Int32
    /// Crashing thread's name (the kernel's `comm`).
    public var thread: String
    /// `true` when ``thread`` is a name swift-mode gave to another thread, so this thread inherited it from the
    /// thread that created it (a plain `Thread` started from a task on `mode-exec-1`). `nil` otherwise.
    public var threadNameInherited: Bool? = nil
    /// Address of the job/task running on the thread, if known.
    public var task: UInt?
    /// The task's registered label (service path, task name, creation site), if known.
    public var taskLabel: String?

    /// The trace id in ``taskLabel`` (`trace=<id>`: the crashed task ran in a request scope with a trace), if any.
    ///
    /// ```swift
    /// if let trace = report.traceID { print("open trace \(trace)") }
    /// ```
    public var traceID: String? {
        guard let label = taskLabel else { return nil }
        return label.split(separator: " ").first { $0.hasPrefix("trace=") }.map { String($0.dropFirst(6)) }
    }
    /// The Swift runtime's fatal error message ("Fatal error: Unexpectedly found nil ..."), if any.
    public var fatalError: String?
    /// Unwinder of the native frames.
    public var unwinder: Unwinder
    /// Native frames, innermost first (`core`: module+offset only; `symbolicated`: with names and lines).
    public var frames: [StackFrame]
    /// Runs of repeated frames left out of ``frames`` (`symbolicated` only; `nil` when none): the 120 copies of
    /// one frame in a stack overflow are one frame and one run, and are symbolicated once.
    public var repeatedFrames: [RepeatedFrames]? = nil
    /// Images mentioned by the frames.
    public var images: [Image]
    /// Sections added by the owner (service tree, last log lines). Only in `symbolicated`.
    public var sections: [Section]?

    /// Creates a report.
    ///
    /// ```swift
    /// let report = CrashReport(part: "symbolicated", signal: "SIGILL", signalNumber: 4, code: 2,
    ///     faultAddress: 0, pc: 0, pid: 1, tid: 1, thread: "main", unwinder: .libunwind, frames: [], images: [])
    /// ```
    public init(
        part: String, signal: String, signalNumber: Int32, code: Int32, faultAddress: UInt, pc: UInt, pid: Int32,
        tid: Int32, thread: String, task: UInt? = nil, taskLabel: String? = nil, fatalError: String? = nil,
        unwinder: Unwinder, frames: [StackFrame], images: [Image], sections: [Section]? = nil
    ) {
        self.part = part
        self.signal = signal
        self.signalNumber = signalNumber
        self.code = code
        self.faultAddress = faultAddress
        self.pc = pc
        self.pid = pid
        self.tid = tid
        self.thread = thread
        self.task = task
        self.taskLabel = taskLabel
        self.fatalError = fatalError
        self.unwinder = unwinder
        self.frames = frames
        self.images = images
        self.sections = sections
    }
}

/// One JSON log line carrying a ``CrashReport`` (the `--log-format json` shape).
///
/// ```swift
/// let record = try JSONDecoder().decode(CrashReportRecord.self, from: Data(line.utf8))
/// ```
public struct CrashReportRecord: Sendable, Codable, Equatable {
    /// ISO 8601 UTC time with milliseconds.
    public var timestamp: String
    /// Always `"critical"`.
    public var level: String
    /// Always `"mode.crash"`.
    public var label: String
    /// `"CRASH: signal SIGILL (illegal instruction) at 0x..."`.
    public var message: String
    /// The report.
    public var crash: CrashReport

    /// Creates a record.
    ///
    /// ```swift
    /// CrashReportRecord(timestamp: "2026-01-01T00:00:00.000Z", message: "CRASH: ...", crash: report)
    /// ```
    public init(
        timestamp: String, level: String = "critical", label: String = "mode.crash", message: String,
        crash: CrashReport
    ) {
        self.timestamp = timestamp
        self.level = level
        self.label = label
        self.message = message
        self.crash = crash
    }
}
