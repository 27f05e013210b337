/// How a Worker run ended, and the process exit status it maps to.
///
/// ```swift
/// let exit = await worker.runUntilStopped()
/// if exit.status != 0 { print(exit.reason) }
/// ```
public struct WorkerExit: Sendable, Hashable, CustomStringConvertible {
    /// The process exit status: 0 after a clean stop, 1 after a crash, a start failure or a shutdown
    /// timeout, 64 for bad options, 128 + N when a second signal N forced the exit.
    public var status: Int32
    /// Why, in a few words.
    public var reason: String

    public init(status: Int32, reason: String) {
        self.status = status
        self.reason = reason
    }

    /// A clean stop.
    public static let stopped = WorkerExit(status: 0, reason: "stopped")

    public var description: String { "exit \(status) (\(reason))" }
}
