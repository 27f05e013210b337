import ModeConsole

/// The console's `warnings`: tasks that look wrong from their executor figures, each named with its service,
/// task and creation site. Pure: figures and times are given, so a test drives it with manual values.
///
/// ```swift
/// let warnings = TaskLints(thresholds: .init()).evaluate(tasks, now: now)
/// ```
struct TaskLints {
    /// When a task is worth a warning.
    struct Thresholds: Equatable {
        /// A job on its thread longer than this has not yielded (default 1 s).
        var running: UInt64 = 1_000_000_000
        /// A single job longer than this polled too long (default 100 ms).
        var poll: UInt64 = 100_000_000
        /// Suspended longer than this since its last job, with no wake-up (default 60 s).
        var suspended: UInt64 = 60_000_000_000
    }

    /// A task as the lints see it.
    struct Task: Equatable {
        var id: UInt64
        var name: String
        var service: String?
        var creationSite: String
        /// How long its current job has held a thread, when it runs now.
        var runningNanoseconds: UInt64?
        /// Its longest job so far, when its jobs are timed.
        var longestJobNanoseconds: UInt64?
        /// When its last job ended (the figures' clock), when known.
        var lastRanNanoseconds: UInt64?
    }

    enum Kind: String, Equatable {
        case notYielding = "not-yielding"
        case longPoll = "long-poll"
        case suspendedLong = "suspended-long"
    }

    struct Warning: Equatable {
        var kind: Kind
        var task: Task
        var nanoseconds: UInt64

        var text: String {
            let what: String
            switch kind {
            case .notYielding: what = "has not yielded for \(Self.seconds(nanoseconds)) (its job is still on the thread)"
            case .longPoll: what = "ran one job for \(Self.milliseconds(nanoseconds)) without yielding"
            case .suspendedLong: what = "suspended for \(Self.seconds(nanoseconds)) with no wake-up"
            }
            return "#\(task.id) \(task.name) (\(task.service ?? "-"), created at \(task.creationSite)) \(what)"
        }

        static func seconds(_ nanoseconds: UInt64) -> String { "\(WorkerSections.formatTenths(Double(nanoseconds) / 1e9)) s" }
        static func milliseconds(_ nanoseconds: UInt64) -> String { "\(nanoseconds / 1_000_000) ms" }
    }

    var thresholds = Thresholds()

    /// The warnings for `tasks` at `now` (the figures' clock), worst first within each kind.
    func evaluate(_ tasks: [Task], now: UInt64) -> [Warning] {
        var warnings: [Warning] = []
        for task in tasks {
            if let running = task.runningNanoseconds, running > thresholds.running {
                warnings.append(Warning(kind: .notYielding, task: task, nanoseconds: running))
            }
            if let longest = task.longestJobNanoseconds, longest > thresholds.poll {
                warnings.append(Warning(kind: .longPoll, task: task, nanoseconds: longest))
            }
            if task.runningNanoseconds == nil, let last = task.lastRanNanoseconds, now > last,
                now - last > thresholds.suspended {
                warnings.append(Warning(kind: .suspendedLong, task: task, nanoseconds: now - last))
            }
        }
        let rank: [Kind: Int] = [.notYielding: 0, .longPoll: 1, .suspendedLong: 2]
        return warnings.sorted { (rank[$0.kind]!, $1.nanoseconds) < (rank[$1.kind]!, $0.nanoseconds) }
    }

    /// `warnings [--running S] [--poll MS] [--suspended S]`.
    static func thresholds(from arguments: [String]) throws -> Thresholds {
        var thresholds = Thresholds()
        var rest = arguments[...]
        let usage = "warnings [--running SECONDS] [--poll MILLISECONDS] [--suspended SECONDS]"
        while let flag = rest.popFirst() {
            guard let text = rest.popFirst(), let value = Double(text), value >= 0, value.isFinite else {
                throw ConsoleError.usage("\(usage) (\(flag) needs a number >= 0)")
            }
            switch flag {
            case "--running": thresholds.running = UInt64(value * 1e9)
            case "--poll": thresholds.poll = UInt64(value * 1e6)
            case "--suspended": thresholds.suspended = UInt64(value * 1e9)
            default: throw ConsoleError.usage("\(usage) (unknown option \(flag))")
            }
        }
        return thresholds
    }
}
