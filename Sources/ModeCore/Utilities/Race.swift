import Synchronization

/// The package's races with a deadline or a stop, in one place.
///
/// - ``first(_:_:)``: structured. Runs two operations as child tasks, returns the first result and cancels the
///   other (use it when both sides respond to cancellation: a clock sleep, a lifecycle wait).
/// - ``outcome(of:timeout:)``: unstructured. Waits for a task with a deadline without cancelling it and
///   without waiting for it after the deadline (a stop that must not be cancelled by its timeout, only
///   abandoned: `Task.value` does not respond to cancellation, so a structured race would wait for it anyway).
///
/// ```swift
/// let signalled = await Race.first({ await lifecycle.waitForShutdownSignal(); return true },
///                                  { try? await clock.sleep(for: timeout); return false })
/// ```
package enum Race {
    /// What came first in ``outcome(of:timeout:)``.
    package enum Outcome<Value: Sendable>: Sendable {
        case finished(Value)
        case timedOut
    }

    /// Runs `a` and `b` concurrently; returns the first to finish and cancels the other.
    package static func first<T: Sendable>(
        _ a: @escaping @Sendable () async -> T, _ b: @escaping @Sendable () async -> T
    ) async -> T {
        await withTaskGroup(of: T.self) { group in
            group.addTask(operation: a)
            group.addTask(operation: b)
            let first = await group.next()!
            group.cancelAll()
            return first
        }
    }

    /// Whether `task` finished within `timeout` (the task keeps running either way).
    package static func finished(_ task: Task<Void, Never>, within timeout: Duration) async -> Bool {
        if case .finished = await outcome(of: task, timeout: timeout) { return true }
        return false
    }

    /// The value of `task` if it finishes within `timeout`, else ``Outcome/timedOut`` (the task keeps running).
    package static func outcome<Value: Sendable>(of task: Task<Value, Never>, timeout: Duration) async -> Outcome<Value> {
        let box = Mutex<CheckedContinuation<Outcome<Value>, Never>?>(nil)
        let resume: @Sendable (Outcome<Value>) -> Void = { value in
            box.withLock { continuation in
                continuation?.resume(returning: value)
                continuation = nil
            }
        }
        var timer: Task<Void, Never>?
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome<Value>, Never>) in
            box.withLock { $0 = continuation }
            Task { resume(.finished(await task.value)) }
            // Unstructured on purpose: the deadline must fire even though nothing awaits it structurally.
            timer = Task {
                do { try await Task.sleep(for: timeout) } catch { return }
                resume(.timedOut)
            }
        }
        timer?.cancel()
        return result
    }
}
