extension ThreadDump {
    /// One task of the process in a thread dump: who it is and, when no thread runs it, its async stack (read
    /// from its resume context, innermost first). Tasks are listed grouped by service (sorted by service path,
    /// then id).
    ///
    /// ```swift
    /// let task = ThreadDump.TaskStack(id: 12, name: "poll", service: "App", kind: "task", state: "suspended",
    ///                                 frames: frames)
    /// ```
    public struct TaskStack: Sendable, Codable, Equatable {
        /// The task's registry id (`where <id>` in the console).
        public var id: UInt64
        /// Its name.
        public var name: String
        /// The owning service's path, `nil` for a task of no service.
        public var service: String?
        /// What spawned it (`task`, `timer`, `cron`, `future`, ...).
        public var kind: String?
        /// `running` (on a thread: its native stack is under that thread), `suspended`, `enqueued` (runnable,
        /// waiting for a thread or an actor), or why its stack is missing (`changed`, `unreadable`,
        /// `unavailable`).
        public var state: String
        /// Where it was created (`file:line`).
        public var createdAt: String?
        /// Its age in seconds.
        public var ageSeconds: Double?
        /// The thread running it, when running.
        public var thread: Int32?
        /// Its async stack, innermost first (`[async]` frames); empty when running or unreadable.
        public var frames: [StackFrame]
        /// Why there are no frames (`not available: <reason>`, `task changed state while being read`), or that
        /// the chain was cut.
        public var note: String?

        /// Creates a task entry.
        public init(
            id: UInt64, name: String, service: String?, kind: String? = nil, state: String, createdAt: String? = nil,
            ageSeconds: Double? = nil, thread: Int32? = nil, frames: [StackFrame] = [], note: String? = nil
        ) {
            self.id = id
            self.name = name
            self.service = service
            self.kind = kind
            self.state = state
            self.createdAt = createdAt
            self.ageSeconds = ageSeconds
            self.thread = thread
            self.frames = frames
            self.note = note
        }

        /// `#12 poll [task] suspended 3.2 s at App.swift:20` (`on thread 41` when running).
        var headline: String {
            var line = "#\(id) \(name)" + (kind.map { " [\($0)]" } ?? "") + " \(state)"
            if let ageSeconds {
                let tenths = Int((ageSeconds * 10).rounded())
                line += " \(tenths / 10).\(abs(tenths % 10)) s"
            }
            if let createdAt { line += " at \(createdAt)" }
            if let thread { line += " on thread \(thread)" }
            return line
        }
    }

    /// The text lines of ``tasks``: a `SERVICE:` line per service, a headline per task, its frames below it.
    func taskLines() -> [String] {
        guard let tasks else { return [] }
        if tasks.isEmpty { return ["(no live tasks)"] }
        var lines: [String] = []
        var service: String?? = .none
        for task in tasks {
            if service != .some(task.service) {
                service = .some(task.service)
                lines.append((task.service ?? "(no service)") + ":")
            }
            lines.append("  " + task.headline)
            lines.append(contentsOf: task.frames.map { "    " + $0.render() })
            if let note = task.note { lines.append("    (\(note))") }
        }
        return lines
    }
}
