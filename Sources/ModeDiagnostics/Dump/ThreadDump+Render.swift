#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ThreadDump {
    /// The dump as text (format: Diagnostics/Formats/thread-dump.md).
    ///
    /// ```swift
    /// print(ThreadDump.capture().render())
    /// ```
    public func render() -> String {
        var lines: [String] = []
        lines.append("=== swift-mode thread dump begin ===")
        lines.append(
            "pid: \(pid) reason: \(reason) threads: \(threads.count) capture: \(captureMicroseconds) us"
                + " symbolication: \(symbolicationMicroseconds) us")
        for thread in threads {
            var header = "--- thread \(thread.info.tid) \"\(thread.info.name)\"\(thread.info.nameIsInherited ? " (inherited name)" : "") state: \(thread.info.state)"
            if let wchan = thread.info.wchan { header += " wchan: \(wchan)" }
            if let unwinder = thread.unwinder { header += " unwinder: \(unwinder)" }
            if thread.isCurrent { header += " (dumping thread)" }
            lines.append(header)
            if let task = thread.task { lines.append("task: \(task)") }
            if let note = thread.note { lines.append("note: \(note)") }
            lines.append(contentsOf: thread.frames.map { "  " + $0.render() })
        }
        if tasks != nil {
            lines.append("--- tasks (by service; async stacks of the tasks no thread runs, innermost first)")
            lines.append(contentsOf: taskLines().map { "  " + $0 })
        }
        for section in sections {
            lines.append("--- \(section.title)")
            lines.append(contentsOf: section.lines.map { "  " + $0 })
        }
        lines.append("=== swift-mode thread dump end ===")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The dump as one line of JSON (schema: Diagnostics/Formats/thread-dump.md).
    ///
    /// ```swift
    /// let line = ThreadDump.capture().renderJSON()
    /// ```
    public func renderJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
