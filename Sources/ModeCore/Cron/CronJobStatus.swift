import Foundation

/// What a service's cron job has done and will do next, readable with ``Service/cronStatus(named:)``.
///
/// ```swift
/// if let job = app.cronStatus(named: "report") {
///     print("\(job.runs) runs, last at \(job.lastFireDate.map(String.init(describing:)) ?? "never")")
/// }
/// ```
public struct CronJobStatus: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public var expression: String = ""
    /// The time zone the expression is evaluated in.
    public var timeZone: TimeZone = .current
    /// Callback runs so far.
    public var runs: Int = 0
    /// The wall time the last run was scheduled for.
    public var lastFireDate: Date?
    /// The wall time of the next run (`nil` before the first computation, or if the expression never fires again).
    public var nextFireDate: Date?
    /// How late (by the job's wall clock) the last run started after its scheduled time.
    public var lastLateness: Duration = .zero
    /// The largest lateness of any run.
    public var maxLateness: Duration = .zero

    public init() {}

    public var description: String {
        "expression=\"\(expression)\" timeZone=\(timeZone.identifier) runs=\(runs) "
            + "next=\(nextFireDate.map { "\($0)" } ?? "none") maxLateness=\(maxLateness)"
    }
}
