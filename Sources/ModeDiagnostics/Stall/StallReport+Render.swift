extension StallReport {
    /// The headline: `Blocking detected: thread mode-exec-1 (tid 4242) busy for 512 ms (timeout 500 ms)`; a
    /// repeat reads `Blocking still detected: … (timeout 500 ms, repeat 1)`.
    ///
    /// ```swift
    /// health.markDegraded(reason: report.headline)
    /// ```
    public var headline: String {
        let who = "thread \(thread.name.isEmpty ? "?" : thread.displayName) (tid \(thread.tid))"
        if kind == .repeated {
            return "Blocking still detected: \(who) busy for \(busyMilliseconds) ms "
                + "(timeout \(timeoutMilliseconds) ms, repeat \(repeatIndex))"
        }
        return "Blocking detected: \(who) busy for \(busyMilliseconds) ms (timeout \(timeoutMilliseconds) ms)"
    }

    /// The text the watchdog logs: the headline, then one `key: value` line per known fact, then the frames one
    /// per line (see `Diagnostics/Formats/stall-report.md`).
    ///
    /// ```swift
    /// watchdog.recentReports.last.map { print($0.render()) }
    /// ```
    public func render() -> String {
        var lines = [headline]
        if part == .core {
            lines.append("  report: \(reportID), core part (symbols were not ready in time; the symbolicated part follows "
                + "with this report id)")
        } else if part == .symbolicated {
            lines.append("  report: \(reportID), symbolicated part (completes the core part logged before)")
        }
        if let task {
            lines.append("  service: \(task.servicePath ?? "-")")
            var taskLine = "  task: \(task.taskName)" + (task.taskID.map { " (id \($0))" } ?? "")
            if task.createdTask != nil { taskLine += ", \(task.createdTaskDescription)" }
            lines.append(taskLine)
            if let trace = task.traceDescription { lines.append("  trace: \(trace)") }
            if let site = task.creationSite { lines.append("  created at: \(site)") }
        } else {
            lines.append("  service: - (\(unattributedReason ?? "job not registered by a service"))")
            if let taskEntry {
                lines.append("  created at: \(taskEntry), the task's entry function read from the stack")
            }
        }
        var executorLine = "  executor: \(executor)"
        if let jobAddress { executorLine += ", job \(jobAddress)" }
        lines.append(executorLine)
        var stateLine = "  thread state: \(thread.state) (\(Self.describe(state: thread.state)))"
        if let wchan = thread.wchan { stateLine += ", wchan \(wchan)" }
        lines.append(stateLine)
        if suppressedSinceLastReport > 0 {
            lines.append("  suppressed: \(suppressedSinceLastReport) similar report(s) at \(site) since the last one")
        }
        if let captureNote { lines.append("  note: \(captureNote)") }
        lines.append("  native stack (\(unwinder), \(frames.count) frames):")
        for frame in frames { lines.append("    " + frame.render()) }
        return lines.joined(separator: "\n")
    }

    /// The follow-up line logged when a reported stall ends: `Blocking ended: thread mode-exec-1 (tid 4242) was busy
    /// for 2.01 s`.
    ///
    /// ```swift
    /// let line = StallReport.endLine(threadName: "mode-exec-1", threadID: 4242, total: .milliseconds(2_010))
    /// ```
    public static func endLine(threadName: String, threadID: Int32, total: Duration) -> String {
        "Blocking ended: thread \(threadName.isEmpty ? "?" : threadName) (tid \(threadID)) was busy for "
            + formatDuration(total)
    }

    /// `512 ms` below 1 s, `2.01 s` above.
    static func formatDuration(_ duration: Duration) -> String {
        let milliseconds = Self.milliseconds(duration)
        if milliseconds < 1_000 { return "\(milliseconds) ms" }
        let hundredths = (milliseconds + 5) / 10
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }

    /// Whole milliseconds of `duration`, rounded down.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }

    /// Whole microseconds of `duration`, rounded down.
    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    static func describe(state: String) -> String {
        switch state {
        case "R": "running"
        case "S": "sleeping"
        case "D": "uninterruptible wait"
        case "T", "t": "stopped"
        case "Z": "zombie"
        default: "unknown"
        }
    }
}

extension StallReport {
    /// The entry function of the task a stack runs in, `symbol at file:line`: the outermost application frame
    /// inside the runtime's job entry, thunks skipped. For a task created by a closure (`Task.detached { … }`)
    /// it is that closure, so its line is where the task was created. `nil` when no such frame is known.
    ///
    /// ```swift
    /// let entry = StallReport.taskEntry(of: frames)   // "closure #1 in Jobs.spawn() at Jobs.swift:12"
    /// ```
    public static func taskEntry(of frames: [StackFrame]) -> String? {
        let runtime = frames.firstIndex { $0.module?.hasPrefix("libswift_Concurrency") == true } ?? frames.count
        let entry = frames[..<runtime].last { frame in
            guard let symbol = frame.symbol, let file = frame.file, file != "<compiler-generated>",
                !file.hasSuffix("/<compiler-generated>") else { return false }
            if let module = frame.module, StallWatchdog.systemModulePrefixes.contains(where: module.hasPrefix) {
                return false
            }
            return !symbol.hasPrefix("partial apply") && !symbol.hasPrefix("thunk for")
                && !symbol.hasPrefix("reabstraction thunk")
        }
        guard let entry, let symbol = entry.symbol, let file = entry.file else { return nil }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        return "\(name):\(entry.line ?? 0) (\(symbol))"
    }
}
