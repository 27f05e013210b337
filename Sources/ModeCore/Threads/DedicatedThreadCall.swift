import Synchronization

/// One ``DedicatedThreadExecutor/run(_:)`` call: the closure and the continuation that receives its result.
/// The continuation is taken exactly once, by whichever of perform, cancel or fail comes first.
final class DedicatedThreadCall<T: Sendable>: Sendable {
    private let body: @Sendable () throws -> T
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    init(body: @escaping @Sendable () throws -> T) {
        self.body = body
    }

    func setContinuation(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    /// Runs the body (on the executor's thread) and resumes the caller with its result.
    func perform() {
        let result = Result { try body() }
        take()?.resume(with: result)
    }

    /// Resumes the caller with `CancellationError` (the call was withdrawn before it ran).
    func cancel() { take()?.resume(throwing: CancellationError()) }

    /// Resumes the caller with `error`.
    func fail(_ error: any Error) { take()?.resume(throwing: error) }

    private func take() -> CheckedContinuation<T, any Error>? {
        continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
    }
}
