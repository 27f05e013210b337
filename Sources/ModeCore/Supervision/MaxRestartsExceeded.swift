/// The error a supervisor escalates with when its children crash more often than its restart intensity allows.
///
/// ```swift
/// do {
///     try await supervisor.run()
/// } catch let error as MaxRestartsExceeded {
///     print(error.message)        // "Max restarts exceeded"
///     print(error)                // "Max restarts exceeded: 6 restarts within 10.0 seconds (limit 5)"
/// }
/// ```
public struct MaxRestartsExceeded: Error, Hashable, Sendable, CustomStringConvertible {
    /// Always `"Max restarts exceeded"` (the text mode logs, kept for log searches).
    public let message = "Max restarts exceeded"
    /// The configured limit (``SupervisionPolicy/maxRestarts``).
    public let maxRestarts: Int
    /// The configured window (``SupervisionPolicy/period``).
    public let period: Duration
    /// The index (in start order) of the child whose crash went over the limit.
    public let childIndex: Int

    /// Creates the error; supervisors build it from their policy.
    public init(maxRestarts: Int, period: Duration, childIndex: Int) {
        self.maxRestarts = maxRestarts
        self.period = period
        self.childIndex = childIndex
    }

    public var description: String {
        "\(message): \(maxRestarts + 1) restarts within \(humanizeSeconds(DurationMath.seconds(period))) "
            + "(limit \(maxRestarts))"
    }
}
