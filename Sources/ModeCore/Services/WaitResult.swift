/// The outcome of racing work against a service's stop (``Service/wait(timeout:_:)``).
///
/// ```swift
/// switch try await wait { try await queue.next() } {
/// case .completed(let item): handle(item)
/// case .stopped: return
/// case .timedOut: break
/// }
/// ```
///
/// Unlike mode, a timeout is reported as ``timedOut`` rather than as "stopped".
public enum WaitResult<Value: Sendable>: Sendable {
    /// The work finished first.
    case completed(Value)
    /// The service was stopped or crashed first; the work was cancelled.
    case stopped
    /// The timeout expired first; the work was cancelled.
    case timedOut

    /// The value, when the work completed.
    public var value: Value? {
        if case .completed(let value) = self { return value }
        return nil
    }

    /// `true` when the service stopped first (mode's `WaitResult.stopped`).
    public var stopped: Bool {
        if case .stopped = self { return true }
        return false
    }
}

/// The outcome of ``Service/waitFirst(timeout:_:)``: which operation won, or why none did.
public enum WaitFirstResult<Value: Sendable>: Sendable {
    /// Operation `index` (in argument order) finished first with `value`; the others were cancelled.
    case first(index: Int, value: Value)
    /// The service stopped or crashed first; all operations were cancelled.
    case stopped
    /// The timeout expired first; all operations were cancelled.
    case timedOut
}
