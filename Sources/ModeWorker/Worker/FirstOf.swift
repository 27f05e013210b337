import Synchronization

/// Waits for a task with a deadline without cancelling it (an unstructured wait: the awaited task must not be
/// cancelled by the timeout, only abandoned).
enum FirstOf {
    /// What came first.
    enum Outcome<Value: Sendable>: Sendable {
        case finished(Value)
        case timedOut
    }

    /// Whether `task` finished within `timeout`.
    static func race(_ task: Task<Void, Never>, timeout: Duration) async -> Bool {
        if case .finished = await outcome(of: task, timeout: timeout) { return true }
        return false
    }

    /// The value of `task` if it finishes within `timeout`, else ``Outcome/timedOut`` (the task keeps running).
    static func outcome<Value: Sendable>(of task: Task<Value, Never>, timeout: Duration) async -> Outcome<Value> {
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
