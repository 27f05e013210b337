import Logging
import Synchronization

extension StallWatchdog {
    /// A report captured and admitted on the watchdog thread, waiting for its symbols.
    struct PendingReport: Sendable {
        /// When the report is due (`timeout × 1.1` after the job started): past it, the core part is logged.
        var deadline: ContinuousClock.Instant
        /// The report with module+offset frames only.
        var core: StallReport
        /// Whether the stalled task is known (read by the signal, or from the task object): an unattributed
        /// report then says where the task was created.
        var taskKnown = false
        /// Whether the core part was logged because the symbols were late.
        var coreLogged = false
    }

    /// Captures the stalled thread once and admits the report, on the watchdog thread, then hands the
    /// symbolication to the symbolication thread, so the watchdog goes on polling: a second thread that stalls
    /// meanwhile is still detected and captured on time, and a stall's end is measured when it ends. The report
    /// is logged whole when its symbols are ready by its deadline (`timeout × 1.1` after the job started);
    /// otherwise the watchdog logs its core part at the deadline and the symbolicated part follows
    /// (``StallReport/Part``). Work handed over is served in order, so a stall's end line follows its report.
    func report(_ stall: StallDetector<ContinuousClock>.Stall, kind: StallReport.Kind, executor: String) {
        if configuration.suppressWhileDebuggerAttached && ProcessInspection.isDebuggerAttached { return }
        let tid = stall.threadID
        // Describe the thread before the capture signal can wake it out of its wait channel.
        let thread = ThreadInventory.info(threadID: tid)
            ?? ThreadInfo(tid: tid, name: tid == 0 ? "(unknown)" : "?", state: "?")

        var raw: RawStack?
        var note: String?
        var captureTime: Duration?
        let detectedAt = clock.now
        // The stalled job was running at the poll that detected it; the running task, just before the capture.
        let nowNanoseconds = ThreadActivity.monotonicNanoseconds
        let pollAge = stall.busySince.advanced(by: stall.busyFor).duration(to: detectedAt)
        let jobSeen = nowNanoseconds &- UInt64(max(0, StallReport.microseconds(pollAge))) &* 1_000
        if tid > 0 {
            do {
                raw = try StackCapture.capture(threadID: tid, timeout: configuration.captureTimeout)
            } catch {
                note = "stack capture failed: \(error)"
            }
            captureTime = detectedAt.duration(to: clock.now)
        } else {
            note = "the executor has not run a heartbeat yet: its thread is unknown"
        }
        if let rawNote = raw?.note { note = note.map { "\($0); \(rawNote)" } ?? rawNote }
        // Name the task now. The capture may itself end the stall (and the task: a sleep interrupted by the
        // signal returns), so the resolver matches a task that was alive when it was seen running, not now.
        let withoutSignal = raw.map { $0.unwinder == .libunwindRemote || $0.unwinder == .stackScan } ?? false
        let (query, taskObject) = Self.attributionQuery(
            raw: raw, withoutSignal: withoutSignal, job: stall.job, taskSeen: nowNanoseconds, jobSeen: jobSeen,
            threadID: stall.threadID)
        let task = configuration.attributeTask?(query) ?? Self.lookUpInTable(query)
        // module+offset needs no debug info: the core part, and the rate-limiting site (the first frame
        // outside the C library and the runtimes, as module+offset; `site(of:)` takes the first non-system
        // frame's symbol when dladdr named one).
        let rawFrames = (raw?.addresses ?? []).enumerated().map {
            Symbolicator.fallbackFrame(index: $0, address: $1)  // dladdr names exported symbols (libc) for free
        }
        let rawSite = Self.site(of: rawFrames, fallback: "\(stall.id.source)")

        // Rate limiting: only first reports; a repeat belongs to a stall that was already admitted.
        var suppressed = 0
        if kind == .detected {
            let admission = state.withLock { $0.detector.admit(stall.id, site: rawSite, now: detectedAt) }
            switch admission {
            case .suppress:
                state.withLock {
                    $0.suppressedCount += 1
                    $0.captureCount += 1
                }
                return
            case .report(let count):
                suppressed = count
            }
        } else if state.withLock({ $0.logged[stall.id] == nil }) {
            return  // the first report was not logged (debugger, …): do not start with a repeat
        }

        let core = StallReport(
            kind: kind, reportID: 0, timestamp: ProcessInspection.timestamp(),
            processID: ProcessInspection.processID, thread: thread,
            source: { if case .heartbeat(let name) = stall.id.source { "heartbeat:\(name)" } else { "thread" } }(),
            executor: executor, busyMilliseconds: StallReport.milliseconds(stall.busyFor),
            timeoutMilliseconds: StallReport.milliseconds(configuration.timeout), repeatIndex: stall.repeatIndex,
            suppressedSinceLastReport: suppressed, site: rawSite,
            jobAddress: stall.job.map { "0x" + String($0, radix: 16) }, task: task,
            unattributedReason: task == nil ? query.unattributedReason(
                captured: raw != nil, withoutSignal: withoutSignal, taskObject: taskObject)
                + (withoutSignal && query.runningTask == nil
                    ? " (current-task read: \(CurrentTaskReader.explain(threadID: stall.threadID)))" : "")
                : nil,
            unwinder: raw?.unwinder ?? .none, captureNote: note, frames: rawFrames,
            captureMicroseconds: captureTime.map(StallReport.microseconds), part: .core)
        let due = Self.reportDeadline(kind: kind, detectedAt: detectedAt, busyFor: stall.busyFor,
                                      timeout: configuration.timeout)
        let reportID = state.withLock { state -> UInt64 in
            state.nextReportID += 1
            var pending = core
            pending.reportID = state.nextReportID
            state.pending[state.nextReportID] = PendingReport(
                deadline: due, core: pending, taskKnown: query.runningTask != nil)
            state.captureCount += 1
            if kind == .detected {
                state.logged[stall.id] = LoggedStall(
                    reportID: state.nextReportID, threadName: thread.displayName, task: task)
            }
            return state.nextReportID
        }
        symbolicator.submit { [self, raw] in finishReport(reportID, raw: raw) }
    }

    /// What the watchdog knows to attribute a stall. A thread read by the signal has its running task; a thread
    /// blocked in the kernel, read without one, has its executor's job, whose task object (for a task job)
    /// gives the task's flags and task-local (``TaskObjectReader``): the task was the job when the poll saw it,
    /// at `jobSeen`. Also returns what the task object read found, `nil` when none was tried.
    ///
    /// ```swift
    /// let (query, reading) = StallWatchdog.attributionQuery(
    ///     raw: raw, withoutSignal: true, job: job, taskSeen: now, jobSeen: polled)
    /// ```
    ///
    /// When the job names no task (an executor that records no job: the main queue, an event loop; or an actor's
    /// job), the task the thread runs now is read from the thread's copy of the runtime's current task
    /// (``CurrentTaskReader``) and its object read the same way, as of the capture.
    package static func attributionQuery(
        raw: RawStack?, withoutSignal: Bool, job: UInt?, taskSeen: UInt64, jobSeen: UInt64, threadID: Int32 = 0,
        readTask: (UInt) -> TaskObjectReader.Reading = { TaskObjectReader.read(taskAddress: $0) },
        currentTaskOf: (Int32) -> UInt? = { CurrentTaskReader.currentTask(ofThread: $0) }
    ) -> (TaskAttributionQuery, TaskObjectReader.Reading?) {
        var query = TaskAttributionQuery(
            runningTask: raw?.runningTask, taskSeenNanoseconds: taskSeen, jobAddress: job, jobSeenNanoseconds: jobSeen)
        guard query.runningTask == nil, withoutSignal else { return (query, nil) }
        var reading: TaskObjectReader.Reading?
        if let job {
            reading = readTask(job)
            if case .task(let task) = reading {
                query.runningTask = task
                query.taskSeenNanoseconds = jobSeen
                return (query, reading)
            }
        }
        if threadID > 0, let current = currentTaskOf(threadID), current != job {
            let fromThread = readTask(current)
            if case .task(let task) = fromThread {
                query.runningTask = task
                query.taskSeenNanoseconds = taskSeen
                return (query, fromThread)
            }
        }
        return (query, reading)
    }

    /// The default attribution: ``TaskAttributionTable``'s entry for the running task, else for the job (the
    /// running task alone when it is known: a job can switch inline to another task).
    static func lookUpInTable(_ query: TaskAttributionQuery) -> TaskAttribution? {
        if let running = query.runningTask { return TaskAttributionTable.shared.lookup(taskAddress: running.address) }
        return query.jobAddress.flatMap { TaskAttributionTable.shared.lookup(taskAddress: $0) }
    }

    /// When a report is due: `timeout × 1.1` after its job started (a repeat: 10 % of the timeout after its
    /// detection), never before its detection.
    package static func reportDeadline<Instant: InstantProtocol>(
        kind: StallReport.Kind, detectedAt: Instant, busyFor: Duration, timeout: Duration
    ) -> Instant where Instant.Duration == Duration {
        let budget = timeout / 10
        guard kind == .detected else { return detectedAt.advanced(by: budget) }
        let due = detectedAt.advanced(by: timeout + budget - busyFor)
        return max(due, detectedAt)
    }

    /// Symbolicates a pending report and logs it whole, or as the symbolicated part when its core part was
    /// logged already; keeps it and hands it to `onStall`. Runs on the symbolication thread.
    func finishReport(_ reportID: UInt64, raw: RawStack?) {
        var frames: [StackFrame] = []
        var symbolicationTime: Duration?
        if let raw {
            let started = clock.now
            frames = symbolicator.symbolicate(raw)
            symbolicationTime = started.duration(to: clock.now)
        }
        let report: StallReport? = reportOrder.withLock { _ in
            guard let pending = state.withLock({ $0.pending.removeValue(forKey: reportID) }) else { return nil }
            var report = pending.core
            report.frames = raw == nil ? report.frames : frames
            report.site = Self.site(of: report.frames, fallback: report.site)
            if report.task == nil, pending.taskKnown { report.taskEntry = StallReport.taskEntry(of: frames) }
            report.symbolicationMicroseconds = symbolicationTime.map(StallReport.microseconds)
            report.part = pending.coreLogged ? .symbolicated : nil
            log(report)
            state.withLock { state in
                if !pending.coreLogged { state.reportCount += 1 }
                state.recent.append(report)
                if state.recent.count > max(0, configuration.maxReportsKept) {
                    state.recent.removeFirst(state.recent.count - max(0, configuration.maxReportsKept))
                }
            }
            return report
        }
        if let report { onStall?(report) }
    }

    /// Logs the core part of every report whose symbols missed its deadline. On the watchdog thread, each poll.
    func logOverdueReports(now: ContinuousClock.Instant) {
        let overdue = state.withLock { state in
            state.pending.filter { !$0.value.coreLogged && $0.value.deadline <= now }.keys.sorted()
        }
        for reportID in overdue {
            reportOrder.withLock { _ in
                let core = state.withLock { state -> StallReport? in
                    guard var pending = state.pending[reportID], !pending.coreLogged else { return nil }
                    pending.coreLogged = true
                    state.pending[reportID] = pending
                    state.reportCount += 1
                    return pending.core
                }
                if let core { log(core) }
            }
        }
    }

    /// The earliest deadline of a report whose core part is not logged, if any.
    var nextReportDeadline: ContinuousClock.Instant? {
        state.withLock { $0.pending.values.filter { !$0.coreLogged }.map(\.deadline).min() }
    }

    /// One WARNING record with the report's text and its `mode.stall.*` metadata.
    func log(_ report: StallReport) {
        var metadata: Logger.Metadata = [
            "mode.stall.tid": "\(report.thread.tid)",
            "mode.stall.thread": "\(report.thread.name)",
            "mode.stall.busy_ms": "\(report.busyMilliseconds)",
            "mode.stall.report_id": "\(report.reportID)",
        ]
        if let part = report.part { metadata["mode.stall.part"] = "\(part)" }
        if let task = report.task {
            metadata["mode.task"] = "\(task.taskName)"
            if let servicePath = task.servicePath { metadata["mode.service"] = "\(servicePath)" }
            if let traceID = task.traceID { metadata["trace_id"] = "\(traceID)" }
            if let spanID = task.spanID { metadata["span_id"] = "\(spanID)" }
        }
        logger.warning("\(report.render())", metadata: metadata)
    }

    /// Modules whose frames are never the "site" of a stall: the C library, the Swift runtime, libdispatch.
    static let systemModulePrefixes = [
        "libc.so", "libc-", "libpthread", "ld-linux", "libswiftCore", "libswift_Concurrency", "libdispatch",
        "libstdc++", "libgcc_s", "libswiftGlibc", "libswiftSynchronization", "libm.so", "libunwind", "libswiftDispatch",
        "libFoundation",
    ]

    /// The site of a stall: the first symbolicated frame outside system modules (inlined frames count), else
    /// the first module+offset outside system modules (the rate-limiting key, computed before symbolication:
    /// dladdr names only exported symbols), else the first symbol, else the first module+offset.
    static func site(of frames: [StackFrame], fallback: String) -> String {
        func isSystem(_ frame: StackFrame) -> Bool {
            guard let module = frame.module else { return false }
            return systemModulePrefixes.contains { module.hasPrefix($0) }
        }
        if let frame = frames.first(where: { $0.symbol != nil && !isSystem($0) }), let symbol = frame.symbol {
            return symbol
        }
        func moduleOffset(_ frame: StackFrame) -> String? {
            guard let module = frame.module, let offset = frame.moduleOffset else { return nil }
            return "\(module)+0x\(String(offset, radix: 16))"
        }
        if let site = frames.first(where: { !isSystem($0) && $0.module != nil }).flatMap(moduleOffset) { return site }
        if let symbol = frames.first(where: { $0.symbol != nil })?.symbol { return symbol }
        return frames.first.flatMap(moduleOffset) ?? fallback
    }
}
