extension Service {
    /// Sleeps for `duration` on the service's clock, returning early when the service stops or crashes.
    ///
    /// ```swift
    /// while !shouldStop {
    ///     await poll()
    ///     await sleep(for: .seconds(1))
    /// }
    /// ```
    ///
    /// - Returns: `true` when the whole duration elapsed; `false` when it returned early (stop, crash,
    ///   or cancellation of the calling task).
    ///
    /// Unlike mode (which only wakes on stop), a crash also ends the sleep: a crashed service is stopping.
    @discardableResult
    public func sleep(for duration: Duration) async -> Bool {
        if shouldStop { return false }
        func sleep<C: Clock>(on clock: C) async -> Bool where C.Duration == Duration {
            await ServiceTask.stopAwareSleep(until: clock.now.advanced(by: duration), clock: clock, lifecycle: lifecycle)
        }
        return await sleep(on: lifecycle.clock)
    }

    /// Suspends until the service is stopped or crashed (mode's `wait_until_stopped`), or the calling task
    /// is cancelled.
    ///
    /// ```swift
    /// try await app.start()
    /// await app.waitUntilStopped()
    /// ```
    public func waitUntilStopped() async {
        await lifecycle.waitForStop(wakeOnCrash: true)
    }

    /// Races `operation` against the service's stop (and crash) and an optional timeout; the loser is
    /// cancelled (mode's `wait`).
    ///
    /// ```swift
    /// if case .completed(let message) = try await wait({ try await inbox.receive() }) {
    ///     handle(message)
    /// }
    /// ```
    ///
    /// - Throws: The error `operation` throws, if it finishes first by throwing.
    public func wait<T: Sendable>(
        timeout: Duration? = nil, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> WaitResult<T> {
        switch try await waitFirst(timeout: timeout, [operation]) {
        case .first(_, let value): return .completed(value)
        case .stopped: return .stopped
        case .timedOut: return .timedOut
        }
    }

    /// Races several operations against each other, the service's stop (and crash), and an optional
    /// timeout (mode's `wait_first`). The first to finish wins; every other operation is cancelled (and
    /// awaited) before this returns.
    ///
    /// ```swift
    /// let result = try await waitFirst(timeout: .seconds(5),
    ///     { try await primary.fetch() },
    ///     { try await replica.fetch() }
    /// )
    /// ```
    ///
    /// - Throws: The error of an operation that finishes first by throwing.
    public func waitFirst<T: Sendable>(
        timeout: Duration? = nil, _ operations: (@Sendable () async throws -> T)...
    ) async throws -> WaitFirstResult<T> {
        try await waitFirst(timeout: timeout, operations)
    }

    /// ``waitFirst(timeout:_:)-(_,(@Sendable()->T)...)`` with the operations in an array.
    public func waitFirst<T: Sendable>(
        timeout: Duration? = nil, _ operations: [@Sendable () async throws -> T]
    ) async throws -> WaitFirstResult<T> {
        if shouldStop { return .stopped }
        let clock = lifecycle.clock
        let lifecycle = self.lifecycle
        return try await withThrowingTaskGroup(of: RaceOutcome<T>.self) { group in
            for (index, operation) in operations.enumerated() {
                group.addTask { .value(index, try await operation()) }
            }
            group.addTask {
                await lifecycle.waitForStop(wakeOnCrash: true)
                return .stopped
            }
            if let timeout {
                group.addTask {
                    do { try await clock.sleep(for: timeout) } catch { return .cancelled }
                    return .timedOut
                }
            }
            defer { group.cancelAll() }
            while let outcome = try await group.next() {
                switch outcome {
                case .value(let index, let value): return .first(index: index, value: value)
                case .stopped: return Task.isCancelled ? .stopped : .stopped
                case .timedOut: return .timedOut
                case .cancelled: continue
                }
            }
            return .stopped
        }
    }

    /// Waits until all operations finish, racing them against the service's stop (and crash) and an
    /// optional timeout (mode's `wait_many`). Results are in argument order.
    ///
    /// ```swift
    /// if case .completed(let pages) = try await waitMany({ try await page(1) }, { try await page(2) }) {
    ///     render(pages)
    /// }
    /// ```
    ///
    /// - Throws: The first error thrown by an operation; the others are cancelled.
    public func waitMany<T: Sendable>(
        timeout: Duration? = nil, _ operations: (@Sendable () async throws -> T)...
    ) async throws -> WaitResult<[T]> {
        try await waitMany(timeout: timeout, operations)
    }

    /// ``waitMany(timeout:_:)-(_,(@Sendable()->T)...)`` with the operations in an array.
    public func waitMany<T: Sendable>(
        timeout: Duration? = nil, _ operations: [@Sendable () async throws -> T]
    ) async throws -> WaitResult<[T]> {
        let all: @Sendable () async throws -> [T] = {
            try await withThrowingTaskGroup(of: (Int, T).self) { group in
                for (index, operation) in operations.enumerated() {
                    group.addTask { (index, try await operation()) }
                }
                var results = [T?](repeating: nil, count: operations.count)
                for try await (index, value) in group { results[index] = value }
                return results.map { $0! }
            }
        }
        return try await wait(timeout: timeout, all)
    }
}

enum RaceOutcome<T: Sendable>: Sendable {
    case value(Int, T)
    case stopped
    case timedOut
    case cancelled
}
