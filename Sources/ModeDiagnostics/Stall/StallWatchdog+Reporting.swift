import Logging
import Synchronization

extension StallWatchdog {
    /// Captures the stalled thread once, symbolicates off the signal path, applies rate limiting by site, then
    /// logs, keeps and hands out the report.
    func report(_ stall: StallDetector<ContinuousClock>.Stall, kind: StallReport.Kind, executor: String) {
        if configuration.suppressWhileDebuggerAttached && ProcessInspection.isDebuggerAttached { return }
        let tid = stall.threadID
        // Describe the thread before the capture signal can wake it out of its wait channel.
        let thread = ThreadInventory.info(threadID: tid)
            ?? ThreadInfo(tid: tid, name: tid == 0 ? "(unknown)" : "?", state: "?")

        var raw: RawStack?
        var note: String?
        var captureTime: Duration?
        if tid > 0 {
            let started = clock.now
            do {
                raw = try StackCapture.capture(threadID: tid, timeout: configuration.captureTimeout)
            } catch {
                note = "stack capture failed: \(error)"
            }
            captureTime = started.duration(to: clock.now)
        } else {
            note = "the executor has not run a heartbeat yet: its thread is unknown"
        }
        // Name the task now, while it is certainly alive: symbolication can take a second (the first time a
        // large binary is read), long enough for a short stall to end and its task to be unregistered.
        let resolve: (UInt) -> TaskAttribution? = { [configuration] address in
            configuration.attributeTask?(address) ?? TaskAttributionTable.shared.lookup(taskAddress: address)
        }
        let task = (raw?.swiftTask).flatMap(resolve) ?? stall.job.flatMap(resolve)

        var frames: [StackFrame] = []
        var symbolicationTime: Duration?
        if let raw {
            let started = clock.now
            frames = Symbolicator.shared.symbolicate(raw)
            symbolicationTime = started.duration(to: clock.now)
            if let rawNote = raw.note { note = note.map { "\($0); \(rawNote)" } ?? rawNote }
        }
        let site = Self.site(of: frames, fallback: "\(stall.id.source)")

        // Rate limiting: only first reports; a repeat belongs to a stall that was already admitted.
        var suppressed = 0
        if kind == .detected {
            let admission = state.withLock { $0.detector.admit(stall.id, site: site, now: clock.now) }
            switch admission {
            case .suppress:
                state.withLock { $0.suppressedCount += 1 }
                return
            case .report(let count):
                suppressed = count
            }
        } else if state.withLock({ $0.logged[stall.id] == nil }) {
            return  // the first report was not logged (debugger, …): do not start with a repeat
        }

        let reportID = state.withLock { state -> UInt64 in
            state.nextReportID += 1
            return state.nextReportID
        }
        let report = StallReport(
            kind: kind, reportID: reportID, timestamp: ProcessInspection.timestamp(),
            processID: ProcessInspection.processID, thread: thread,
            source: { if case .heartbeat(let name) = stall.id.source { "heartbeat:\(name)" } else { "thread" } }(),
            executor: executor, busyMilliseconds: StallReport.milliseconds(stall.busyFor),
            timeoutMilliseconds: StallReport.milliseconds(configuration.timeout), repeatIndex: stall.repeatIndex,
            suppressedSinceLastReport: suppressed, site: site,
            jobAddress: stall.job.map { "0x" + String($0, radix: 16) }, task: task,
            unwinder: raw?.unwinder ?? .none, captureNote: note, frames: frames,
            captureMicroseconds: captureTime.map(StallReport.microseconds),
            symbolicationMicroseconds: symbolicationTime.map(StallReport.microseconds))

        var metadata: Logger.Metadata = [
            "mode.stall.tid": "\(tid)",
            "mode.stall.thread": "\(thread.name)",
            "mode.stall.busy_ms": "\(report.busyMilliseconds)",
            "mode.stall.report_id": "\(reportID)",
        ]
        if let task {
            metadata["mode.task"] = "\(task.taskName)"
            if let servicePath = task.servicePath { metadata["mode.service"] = "\(servicePath)" }
        }
        logger.warning("\(report.render())", metadata: metadata)

        state.withLock { state in
            state.reportCount += 1
            state.recent.append(report)
            if state.recent.count > max(0, configuration.maxReportsKept) {
                state.recent.removeFirst(state.recent.count - max(0, configuration.maxReportsKept))
            }
            if kind == .detected {
                state.logged[stall.id] = LoggedStall(reportID: reportID, threadName: thread.displayName, task: task)
            }
        }
        onStall?(report)
    }

    /// Modules whose frames are never the "site" of a stall: the C library, the Swift runtime, libdispatch.
    static let systemModulePrefixes = [
        "libc.so", "libc-", "libpthread", "ld-linux", "libswiftCore", "libswift_Concurrency", "libdispatch",
        "libstdc++", "libgcc_s", "libswiftGlibc", "libswiftSynchronization", "libm.so", "libunwind", "libswiftDispatch",
        "libFoundation",
    ]

    /// The rate-limiting key: the first symbolicated frame outside system modules (inlined frames count), else
    /// the first symbol, else the first module+offset.
    static func site(of frames: [StackFrame], fallback: String) -> String {
        func isSystem(_ frame: StackFrame) -> Bool {
            guard let module = frame.module else { return false }
            return systemModulePrefixes.contains { module.hasPrefix($0) }
        }
        if let frame = frames.first(where: { $0.symbol != nil && !isSystem($0) }), let symbol = frame.symbol {
            return symbol
        }
        if let symbol = frames.first(where: { $0.symbol != nil })?.symbol { return symbol }
        if let frame = frames.first, let module = frame.module, let offset = frame.moduleOffset {
            return "\(module)+0x\(String(offset, radix: 16))"
        }
        return fallback
    }
}
