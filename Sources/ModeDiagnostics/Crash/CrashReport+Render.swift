extension CrashReport {
    /// `CRASH: signal SIGILL (illegal instruction) at 0x...`
    ///
    /// ```swift
    /// logger.critical("\(report.headline)")
    /// ```
    public var headline: String {
        "CRASH: signal \(signal) (\(Self.describe(signalNumber))) at \(StackFrame.hex(faultAddress, width: 0))"
    }

    static func describe(_ signal: Int32) -> String {
        switch signal {
        case 11: "segmentation fault"
        case 7: "bus error"
        case 4: "illegal instruction"
        case 5: "trace/breakpoint trap"
        case 8: "arithmetic exception"
        case 6: "abort"
        case 3: "quit"
        default: "signal"
        }
    }

    /// The report as a delimited text block (the `symbolicated` text record).
    ///
    /// ```swift
    /// print(report.render())
    /// ```
    public func render() -> String {
        let marker = part == "core" ? "" : " (\(part))"
        var lines = ["=== swift-mode crash report\(marker) begin ===", headline]
        lines.append("thread: \"\(thread)\"\(threadNameInherited == true ? " (inherited name)" : "") tid: \(tid) pid: \(pid)")
        if let task {
            lines.append("task: \(StackFrame.hex(task, width: 0))" + (taskLabel.map { " \"\($0)\"" } ?? " (unlabelled)"))
        } else {
            lines.append("task: none")
        }
        if let fatalError { lines.append("message: " + fatalError.replacingNewlines()) }
        lines.append("unwinder: \(unwinder)")
        lines.append("frames:")
        lines.append(contentsOf: renderFrames())
        lines.append("images:")
        lines.append(contentsOf: images.map { "  \($0.name) load-bias \(StackFrame.hex($0.loadBias, width: 0)) \($0.path)" })
        for section in sections ?? [] {
            lines.append("--- \(section.title)")
            lines.append(contentsOf: section.lines.map { "  " + $0 })
        }
        lines.append("=== swift-mode crash report\(marker) end ===")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension CrashReport {
    /// The frame lines, with `… 120 more frames of f() at file:line` after the last kept frame of each run.
    fileprivate func renderFrames() -> [String] {
        var lines: [String] = []
        for (position, frame) in frames.enumerated() {
            lines.append("  " + frame.render())
            let isLastOfIndex = position + 1 == frames.count || frames[position + 1].index != frame.index
            guard isLastOfIndex, let run = repeatedFrames?.first(where: { $0.afterIndex == frame.index }) else {
                continue
            }
            lines.append("  " + run.render(innermost: frames.first { $0.index == frame.index } ?? frame))
        }
        return lines
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(map { $0 == "\n" ? " " : $0 })
    }
}
