/// One stall, as logged by ``StallWatchdog``: who was blocked (thread, task, service), for how long, and the
/// native stack of the blocked thread captured once.
///
/// It is `Codable` (the JSON format is documented in `Diagnostics/Formats/stall-report.md`) and renders the text
/// that the watchdog logs:
///
/// ```swift
/// let watchdog = StallWatchdog(configuration: .init(timeout: .milliseconds(500)))
/// for report in watchdog.recentReports {
///     print(report.render())
///     let json = try JSONEncoder().encode(report)
/// }
/// ```
public struct StallReport: Sendable, Codable, Equatable {
    /// Whether this is the first report of a stall or a repeat past `repeatAfter`.
    public struct Kind: Sendable, Hashable, Codable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The first report of a stall.
        public static let detected = Kind("detected")
        /// A stall still running at a multiple of the repeat threshold, with a fresh stack.
        public static let repeated = Kind("repeated")

        public var description: String { name }
        public init(from decoder: any Decoder) throws { name = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }

    /// Which part of a report split in two this record is: `nil` for a whole report (the usual case).
    ///
    /// A report is due at `timeout × 1.1` after the job started. When symbolication cannot finish by then (the
    /// debug info of code never seen before is being read), the watchdog logs the **core** part on time (thread,
    /// task, service, executor, module+offset frames), and the **symbolicated** part follows as a second
    /// record with the same ``reportID``, complete.
    public struct Part: Sendable, Hashable, Codable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// Logged on time, before symbolication finished: frames carry module+offset only.
        public static let core = Part("core")
        /// The complete report following a core part with the same report id.
        public static let symbolicated = Part("symbolicated")

        public var description: String { name }
        public init(from decoder: any Decoder) throws { name = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }

    /// Version of this format (1).
    public var formatVersion: Int
    /// First report or repeat.
    public var kind: Kind
    /// Process-wide sequence number of the report (repeats get their own).
    public var reportID: UInt64
    /// Wall-clock time of the detection, RFC 3339 UTC with milliseconds.
    public var timestamp: String
    /// Process id.
    public var processID: Int32
    /// The blocked thread as `/proc` describes it at detection time (name, state, wchan).
    public var thread: ThreadInfo
    /// What was watched: `thread` (per-job timing) or `heartbeat:<name>`.
    public var source: String
    /// Which executor ran the job: `task-executor`, `global-pool`, `main`, `heartbeat`.
    public var executor: String
    /// How long the job had held the thread when it was captured, in milliseconds.
    public var busyMilliseconds: Int64
    /// The configured timeout, in milliseconds.
    public var timeoutMilliseconds: Int64
    /// 0 for the first report, 1, 2, … for repeats.
    public var repeatIndex: Int
    /// Reports of the same site dropped by rate limiting since the last one logged.
    public var suppressedSinceLastReport: Int
    /// The rate-limiting key: the first application frame's symbol (or module+offset).
    public var site: String
    /// Address of the running job (for task jobs, the task), `0x…`; nil for heartbeat stalls.
    public var jobAddress: String?
    /// The task and service that own the stalled code (see ``TaskAttributionQuery``).
    public var task: TaskAttribution?
    /// Why ``task`` is `nil`: no task ran on the thread, a detached task, … (see
    /// `Diagnostics/Runbooks/reading-a-stall-report.md`).
    public var unattributedReason: String?
    /// For an unattributed task, its entry function as the stack shows it (`closure #1 in Jobs.spawn() at
    /// Jobs.swift:12`): where the `Task.detached { … }` was written. The runtime records no creation site.
    public var taskEntry: String?
    /// Which unwinder produced ``frames``.
    public var unwinder: Unwinder
    /// Why the stack is degraded or missing (libunwind absent, capture timed out, …).
    public var captureNote: String?
    /// The symbolicated native stack, innermost first, with `[async]` frames when async callers were recovered.
    public var frames: [StackFrame]
    /// Time spent capturing the stack (signal round trip), microseconds.
    public var captureMicroseconds: Int64?
    /// Time spent symbolicating, microseconds.
    public var symbolicationMicroseconds: Int64?
    /// `nil` for a whole report; ``Part/core`` or ``Part/symbolicated`` when it was logged in two records.
    public var part: Part?

    /// Creates a report.
    public init(formatVersion: Int = 1, kind: Kind, reportID: UInt64, timestamp: String, processID: Int32,
                thread: ThreadInfo, source: String, executor: String, busyMilliseconds: Int64,
                timeoutMilliseconds: Int64, repeatIndex: Int = 0, suppressedSinceLastReport: Int = 0, site: String,
                jobAddress: String? = nil, task: TaskAttribution? = nil, unattributedReason: String? = nil,
                taskEntry: String? = nil, unwinder: Unwinder,
                captureNote: String? = nil, frames: [StackFrame], captureMicroseconds: Int64? = nil,
                symbolicationMicroseconds: Int64? = nil, part: Part? = nil) {
        self.formatVersion = formatVersion
        self.kind = kind
        self.reportID = reportID
        self.timestamp = timestamp
        self.processID = processID
        self.thread = thread
        self.source = source
        self.executor = executor
        self.busyMilliseconds = busyMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.repeatIndex = repeatIndex
        self.suppressedSinceLastReport = suppressedSinceLastReport
        self.site = site
        self.jobAddress = jobAddress
        self.task = task
        self.unattributedReason = unattributedReason
        self.taskEntry = taskEntry
        self.unwinder = unwinder
        self.captureNote = captureNote
        self.frames = frames
        self.captureMicroseconds = captureMicroseconds
        self.symbolicationMicroseconds = symbolicationMicroseconds
        self.part = part
    }
}
