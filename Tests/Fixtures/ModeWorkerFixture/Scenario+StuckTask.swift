import Mode

/// A service whose background task and future ignore cancellation: its stop never gets past cancelling
/// them (for the shutdown-timeout report, which must name both).
actor StuckTask: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        [.task("ignores-cancellation") { await suspendForever() }]
    }

    func onStarted() async throws {
        addFuture("stuck-future") { await suspendForever() }
        logger.info("Holding two tasks that ignore cancellation")
    }
}

/// Suspends for good, whatever happens to the task (a continuation nobody resumes).
func suspendForever() async {
    await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
}
