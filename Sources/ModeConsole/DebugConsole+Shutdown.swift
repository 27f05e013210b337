import Dispatch
import Logging
import NIOCore
import NIOPosix
import Synchronization

extension DebugConsole {
    /// Closes the listening socket and every session, then stops the console's threads. Idempotent.
    ///
    /// A command still running after `commandDeadline` (a handler stuck on a lock) is left behind: its
    /// thread and the event-loop thread are not joined, a warning is logged, and the call returns, so a
    /// Worker's shutdown never hangs on its console.
    ///
    /// ```swift
    /// try console.shutdown()
    /// ```
    ///
    /// - Important: Must not be called from a command handler (it waits for the threads that run it).
    public func shutdown(commandDeadline: Duration = .seconds(2)) throws {
        guard let (group, scheduler, channel) = takeRunning() else { return }
        try? channel.close().wait()
        try? closeSessions(on: channel.eventLoop).wait()
        let stopped = DispatchSemaphore(value: 0)
        scheduler.shutdownGracefully { stopped.signal() }
        guard stopped.wait(timeout: .now() + Self.dispatchInterval(commandDeadline)) == .success else {
            logStuckCommand(commandDeadline)
            return
        }
        try group.syncShutdownGracefully()
        logger.debug("debug console stopped")
    }

    /// Closes the listening socket and every session, then stops the console's threads. Idempotent.
    ///
    /// Like ``shutdown(commandDeadline:)``, without blocking the calling task's thread.
    ///
    /// ```swift
    /// try await console.shutdownGracefully()
    /// ```
    public func shutdownGracefully(commandDeadline: Duration = .seconds(2)) async throws {
        guard let (group, scheduler, channel) = takeRunning() else { return }
        try? await channel.close()
        try? await closeSessions(on: channel.eventLoop).get()
        let stopped: Bool = await withCheckedContinuation { continuation in
            let once = Mutex<CheckedContinuation<Bool, Never>?>(continuation)
            let resume: @Sendable (Bool) -> Void = { value in once.withLock { $0.take() }?.resume(returning: value) }
            scheduler.shutdownGracefully { resume(true) }
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.dispatchInterval(commandDeadline)) { resume(false) }
        }
        guard stopped else {
            logStuckCommand(commandDeadline)
            return
        }
        try await group.shutdownGracefully()
        logger.debug("debug console stopped")
    }

    private func closeSessions(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let open = sessions.withLock { Array($0.values) }
        return EventLoopFuture.andAllComplete(open.map { $0.close() }, on: eventLoop)
    }

    private func logStuckCommand(_ deadline: Duration) {
        logger.warning(
            "debug console stopped with a command still running after \(deadline); its thread is left behind",
            metadata: ["mode.console.command_deadline": "\(deadline)"]
        )
    }

    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(Int(clamping: seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}
