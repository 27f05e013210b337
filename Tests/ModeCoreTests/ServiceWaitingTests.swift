import Logging
import ModeCore
import ModeTestKit
import Synchronization
import Testing

@Suite("Stop-aware waiting on a manual clock")
struct ServiceWaitingTests {
    func makeService(clock: ManualClock, waitForShutdown: Bool = false) -> ClockedService {
        ClockedService(
            lifecycle: ServiceLifecycleState(clock: clock, logger: LogCapture().logger, label: "Clocked"),
            waitForShutdown: waitForShutdown
        )
    }

    @Test("sleep returns true when the duration elapses on the clock")
    func sleepCompletes() async throws {
        let clock = ManualClock()
        let service = makeService(clock: clock)
        try await service.start()
        let sleeper = Task { await service.sleep(for: .seconds(10)) }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        #expect(await sleeper.value == true)
        await service.stop()
    }

    @Test("sleep returns early (false) when the service stops")
    func sleepReturnsOnStop() async throws {
        let clock = ManualClock()
        let service = makeService(clock: clock)
        try await service.start()
        let sleeper = Task { await service.sleep(for: .seconds(3600)) }
        await clock.waitForSleepers(count: 1)
        await service.stop()
        #expect(await sleeper.value == false)
        #expect(clock.now == ManualClock.Instant(.zero))
    }

    @Test("sleep returns early when the service crashes")
    func sleepReturnsOnCrash() async throws {
        let clock = ManualClock()
        let service = makeService(clock: clock)
        try await service.start()
        let sleeper = Task { await service.sleep(for: .seconds(3600)) }
        await clock.waitForSleepers(count: 1)
        service.crash(Boom())
        #expect(await sleeper.value == false)
        await service.stop()
    }

    @Test("waitFirst returns the winner and cancels the losers")
    func waitFirstCancelsLosers() async throws {
        let clock = ManualClock()
        let service = makeService(clock: clock)
        try await service.start()
        let events = EventRecorder()
        let gate = AsyncStream<Void>.makeStream()
        let result = try await service.waitFirst(
            { () async throws -> String in
                await withTaskCancellationHandler { await waitForever() } onCancel: { events.record("slow cancelled") }
                return "slow"
            },
            { () async throws -> String in
                gate.continuation.finish()
                return "fast"
            },
            { () async throws -> String in
                for await _ in gate.stream {}
                await withTaskCancellationHandler { await waitForever() } onCancel: { events.record("other cancelled") }
                return "other"
            }
        )
        guard case .first(let index, let value) = result else {
            Issue.record("expected a winner, got \(result)")
            return
        }
        #expect(index == 1)
        #expect(value == "fast")
        // waitFirst awaits its losers before returning: both were cancelled by then.
        #expect(Set(events.events) == ["slow cancelled", "other cancelled"])
        await service.stop()
    }

    @Test("wait returns .stopped and cancels the work when the service stops")
    func waitStopped() async throws {
        let clock = ManualClock()
        let service = makeService(clock: clock)
        try await service.start()
        let events = EventRecorder()
        let waiter = Task {
            try await service.wait { () async throws -> Int in
                events.record("work started")
                await withTaskCancellationHandler { await waitForever() } onCancel: { events.record("work cancelled") }
                return 1
            }
        }
        await events.waitFor("work started")
        await service.stop()
        let result = try await waiter.value
        #expect(result.stopped)
        #expect(events.events.contains("work cancelled"))
    }

    @Test("wait with a timeout reports .timedOut on the manual clock, distinct from stop")
    func waitTimeout() async throws {
        let clock = ManualClock()
        let service = makeService(clock: clock)
        try await service.start()
        let waiter = Task {
            try await service.wait(timeout: .seconds(5)) { () async throws -> Int in
                await waitForever()
                return 1
            }
        }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(5))
        let result = try await waiter.value
        guard case .timedOut = result else {
            Issue.record("expected .timedOut, got \(result)")
            return
        }
        #expect(service.state == .running)
        await service.stop()
    }

    @Test("waitMany returns all results in argument order; errors propagate")
    func waitMany() async throws {
        let service = makeService(clock: ManualClock())
        try await service.start()
        let result = try await service.waitMany({ 1 }, { 2 }, { 3 })
        #expect(result.value == [1, 2, 3])
        await #expect(throws: Boom.self) {
            _ = try await service.waitMany({ 1 }, { throw Boom() })
        }
        await service.stop()
    }

    @Test("waitForShutdown: stop waits for setShutdown()")
    func waitForShutdownSignalled() async throws {
        let clock = ManualClock()
        let service = makeService(clock: clock, waitForShutdown: true)
        try await service.start()
        let stopper = Task { await service.stop() }
        await clock.waitForSleepers(count: 1)  // the shutdown timeout's sleep
        #expect(service.state == .stopping)
        service.setShutdown()
        await stopper.value
        #expect(service.state == .shutdown)
        #expect(service.onShutdownCalls.withLock { $0 } == 1)
    }

    @Test("waitForShutdown: the shutdown timeout expires with a clear error and the stop completes")
    func waitForShutdownTimeout() async throws {
        let clock = ManualClock()
        let capture = LogCapture()
        let service = ClockedService(
            lifecycle: ServiceLifecycleState(clock: clock, logger: capture.logger, label: "Clocked"),
            waitForShutdown: true
        )
        try await service.start()
        let stopper = Task { await service.stop() }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(60))
        await stopper.value
        #expect(service.state == .shutdown)
        let line = try #require(capture.records.first { $0.level == .error })
        #expect(line.message.contains("shutdownTimeout"))
        #expect(line.message.contains("setShutdown()"))
    }
}

final class ClockedService: Service {
    let lifecycle: ServiceLifecycleState
    let waitForShutdown: Bool
    let onShutdownCalls = Mutex(0)

    init(lifecycle: ServiceLifecycleState, waitForShutdown: Bool) {
        self.lifecycle = lifecycle
        self.waitForShutdown = waitForShutdown
    }

    func onShutdown() async throws { onShutdownCalls.withLock { $0 += 1 } }
}
