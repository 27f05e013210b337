import ModeCore
import ModeTestKit
import Synchronization
import Testing

@Suite("TokenBucket")
struct TokenBucketTests {
    @Test func startsFullAndRefusesWhenEmpty() {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: Rate(perSecond: 10), capacity: 5, clock: clock)
        let pours = (0..<6).map { _ in bucket.pour() }
        #expect(pours == [true, true, true, true, true, false])
    }

    @Test func refillsAtTheRateUpToCapacity() {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: Rate(perSecond: 10), capacity: 5, clock: clock)
        for _ in 0..<5 { _ = bucket.pour() }
        clock.advance(by: .milliseconds(250))                 // mode's example: ≈2.5 tokens
        #expect(abs(bucket.tokens - 2.5) < 1e-9)
        #expect(bucket.expectedTime(3) == .milliseconds(50))
        #expect(bucket.expectedTime(2) == .zero)
        #expect(bucket.pour(2))
        #expect(!bucket.pour(1))
        clock.advance(by: .seconds(60))
        #expect(bucket.tokens == 5)                           // capped
    }

    @Test func acquireWaitsOnTheClock() async throws {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: try Rate("2/s"), capacity: 1, clock: clock)
        #expect(bucket.pour())
        let waiter = Task { try await bucket.acquire() }
        await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .init(.milliseconds(500)))
        clock.advance(by: .milliseconds(500))
        try await waiter.value
        #expect(!bucket.pour())                               // the waiter took the refilled token
    }

    @Test func acquireIsCancellable() async {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: Rate(perSecond: 1), capacity: 1, clock: clock)
        _ = bucket.pour()
        let waiter = Task { try await bucket.acquire() }
        await clock.waitForSleepers(count: 1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }

    @Test func acquiringMoreThanCapacityFails() async {
        let bucket = TokenBucket(rate: Rate(perSecond: 1), capacity: 2, clock: ManualClock())
        await #expect(throws: RateLimitError.self) { try await bucket.acquire(3) }
    }
}

@Suite("SingleFlight")
struct SingleFlightTests {
    @Test func concurrentCallersShareOneExecution() async throws {
        let flight = SingleFlight<Int>()
        let executions = TestCounter()
        let gate = AsyncGate()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            // The first caller starts the execution, which parks on the gate until all callers joined.
            group.addTask {
                try await flight.run {
                    executions.increment()
                    await gate.wait()
                    return 42
                }
            }
            while !flight.isRunning { await Task.yield() }
            for _ in 0..<99 {
                group.addTask {
                    try await flight.run {
                        executions.increment()
                        return -1
                    }
                }
            }
            while flight.callerCount < 100 { await Task.yield() }
            gate.open()
            var collected: [Int] = []
            for try await value in group { collected.append(value) }
            return collected
        }
        #expect(results.count == 100)
        #expect(executions.value == 1)
        #expect(results.allSatisfy { $0 == 42 })
        // The next call after completion runs again.
        let again = try await flight.run { 7 }
        #expect(again == 7)
        #expect(!flight.isRunning)
    }

    @Test func errorsAreSharedToo() async throws {
        struct Boom: Error {}
        let flight = SingleFlight<Int>()
        await #expect(throws: Boom.self) { try await flight.run { throw Boom() } }
        #expect(try await flight.run { 1 } == 1)
    }
}

/// A one-shot gate tests open by hand.
private final class AsyncGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    var waiting: Int { state.withLock { $0.waiters.count } }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let open = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A thread-safe counter for tests.
private final class TestCounter: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    @discardableResult
    func increment() -> Int { count.withLock { $0 += 1; return $0 } }
}
