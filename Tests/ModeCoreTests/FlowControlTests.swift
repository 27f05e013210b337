import ModeCore
import Synchronization
import Testing

/// Yields until `condition` holds: waits for another task to reach a state, without sleeping.
private func eventually(_ condition: () -> Bool) async {
    while !condition() { await Task.yield() }
}

private final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    var entries: [String] { events.withLock { $0 } }
    func append(_ event: String) { events.withLock { $0.append(event) } }
}

private struct StreamEnded: Error, Equatable {}

@Suite("FlowControlEvent")
struct FlowControlEventTests {
    @Test func startsSuspendedLikeMode() {
        #expect(!FlowControlEvent().isActive)
        #expect(FlowControlEvent(initiallySuspended: false).isActive)
    }

    @Test func acquireWaitsWhileSuspendedAndResumeWakesAll() async throws {
        let flow = FlowControlEvent(initiallySuspended: false)
        try await flow.acquire()                          // active: returns at once
        flow.suspend()
        let waiters = (0..<3).map { _ in Task { try await flow.acquire() } }
        await eventually { flow.waiterCount == 3 }
        flow.resume()
        for waiter in waiters { try await waiter.value }
        #expect(flow.waiterCount == 0)
        #expect(flow.isActive)
    }

    @Test func cancelledWaiterThrowsAndLeavesNothing() async {
        let flow = FlowControlEvent()
        let waiter = Task { try await flow.acquire() }
        await eventually { flow.waiterCount == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(flow.waiterCount == 0)
        let cancelledEarly = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await flow.acquire()
        }
        await #expect(throws: CancellationError.self) { try await cancelledEarly.value }
    }
}

@Suite("FlowControlQueue")
struct FlowControlQueueTests {
    @Test func fifoAndGetWaitsWhenEmpty() async throws {
        let queue = FlowControlQueue<Int>()
        let getter = Task { try await queue.get() }
        await eventually { queue.waitingGetters == 1 }
        try await queue.put(1)
        try await queue.put(2)
        try await queue.put(3)
        #expect(try await getter.value == 1)
        #expect(try await queue.get() == 2)
        #expect(queue.tryGet() == 3)
        #expect(queue.tryGet() == nil)
    }

    @Test func putWaitsWhenFullUntilAGet() async throws {
        let queue = FlowControlQueue<Int>(maxSize: 2)
        try await queue.put(1)
        try await queue.put(2)
        #expect(!queue.tryPut(9))
        let putter = Task { try await queue.put(3) }
        await eventually { queue.waitingPutters == 1 }
        #expect(queue.count == 2)
        #expect(try await queue.get() == 1)
        try await putter.value
        #expect(queue.count == 2)
        #expect(try await queue.get() == 2)
        #expect(try await queue.get() == 3)
        queue.forcePut(4)
        queue.forcePut(5)
        queue.forcePut(6)
        #expect(queue.count == 3)                       // forcePut ignores maxSize
    }

    @Test func cancelledPutDoesNotEnqueueAndCancelledGetLosesNothing() async throws {
        let queue = FlowControlQueue<Int>(maxSize: 1)
        try await queue.put(1)
        let putter = Task { try await queue.put(2) }
        await eventually { queue.waitingPutters == 1 }
        putter.cancel()
        await #expect(throws: CancellationError.self) { try await putter.value }
        #expect(try await queue.get() == 1)
        #expect(queue.isEmpty)

        let getter = Task { try await queue.get() }
        await eventually { queue.waitingGetters == 1 }
        getter.cancel()
        await #expect(throws: CancellationError.self) { try await getter.value }
        #expect(queue.waitingGetters == 0)
        try await queue.put(7)
        #expect(try await queue.get() == 7)
    }

    @Test func suspendedFlowControlHoldsProducers() async throws {
        let flow = FlowControlEvent(initiallySuspended: true)
        let queue = FlowControlQueue<Int>(flowControl: flow)
        #expect(!queue.tryPut(1))
        let producer = Task { try await queue.put(1) }
        await eventually { flow.waiterCount == 1 }
        #expect(queue.isEmpty)
        flow.resume()
        try await producer.value
        #expect(try await queue.get() == 1)
    }

    @Test func clearOnResumeDropsQueuedElements() async throws {
        let flow = FlowControlEvent(initiallySuspended: false)
        let clearing = FlowControlQueue<Int>(flowControl: flow, clearOnResume: true)
        let keeping = FlowControlQueue<Int>(flowControl: flow)
        for value in 1...3 {
            try await clearing.put(value)
            try await keeping.put(value)
        }
        flow.suspend()
        flow.resume()
        #expect(clearing.isEmpty)
        #expect(keeping.count == 3)
    }

    @Test("mode's watermarks: floor(maxsize / 1.25) and floor(maxsize * 0.4), also for maxsize 0")
    func watermarks() {
        let sizes = [0, 1, 2, 3, 5, 10, 15, 100, 1_001]
        #expect(sizes.map { FlowControlQueue<Int>(maxSize: $0).highWatermark } == [0, 0, 1, 2, 4, 8, 12, 80, 800])
        #expect(sizes.map { FlowControlQueue<Int>(maxSize: $0).lowWatermark } == [0, 0, 0, 1, 2, 4, 6, 40, 400])
    }

    @Test("put_nowait_enhanced: HIGH when the count before the put reaches the watermark, once per handler")
    func enhancedPutReportsHighOnce() {
        let log = EventLog()
        let queue = FlowControlQueue<Int>(maxSize: 10, onPressureHigh: { log.append("hook.high") })
        let drop = PressureDropHandler { log.append("drop") }
        let results = (1...12).map { value in
            queue.forcePut(value, onPressureHigh: { log.append("high") }, onPressureDrop: drop)
        }
        // Puts 1...8 see 0...7 queued; put 9 sees 8 = high; later puts find the handler pending.
        #expect(results == (1...12).map { $0 == 9 })
        #expect(log.entries == ["hook.high", "high"])
        #expect(queue.count == 12 && queue.pendingPressureDrops == 1)
        let other = PressureDropHandler {}
        #expect(queue.forcePut(13, onPressureHigh: {}, onPressureDrop: other))  // another producer: told too
        #expect(queue.pendingPressureDrops == 2)
    }

    @Test("get_nowait: the drop is judged on the count before removing: one handler at <= low, all when empty")
    func tryGetEndorsesDrop() {
        let log = EventLog()
        let queue = FlowControlQueue<Int>(maxSize: 10, onPressureDrop: { log.append("hook.drop") })
        let first = PressureDropHandler { log.append("first") }
        let second = PressureDropHandler { log.append("second") }
        let third = PressureDropHandler { log.append("third") }
        for value in 1...8 { queue.forcePut(value) }
        #expect(queue.forcePut(9, onPressureHigh: {}, onPressureDrop: first))
        #expect(queue.forcePut(10, onPressureHigh: {}, onPressureDrop: second))
        #expect(queue.forcePut(11, onPressureHigh: {}, onPressureDrop: third))
        for _ in 0..<7 { _ = queue.tryGet() }          // counts 11...5 before each removal: above 4
        #expect(log.entries.isEmpty)
        _ = queue.tryGet()                              // 4 before removing: the oldest handler
        #expect(log.entries == ["first", "hook.drop"])
        _ = queue.tryGet()                              // 3: the next one
        #expect(log.entries == ["first", "hook.drop", "second", "hook.drop"])
        _ = queue.tryGet()
        _ = queue.tryGet()                              // 1 before removing: the last handler
        #expect(log.entries.suffix(2) == ["third", "hook.drop"])
        #expect(queue.tryGet() == nil)                  // empty, nothing pending: nothing called
        #expect(log.entries.count == 6)
    }

    @Test("maxsize 0 is always under pressure (mode's quirk); only an empty get calls the drop")
    func unboundedQueueQuirk() async throws {
        let log = EventLog()
        let queue = FlowControlQueue<Int>()
        let drop = PressureDropHandler { log.append("drop") }
        #expect(queue.forcePut(1, onPressureHigh: { log.append("high") }, onPressureDrop: drop))
        #expect(!queue.forcePut(2, onPressureHigh: { log.append("high") }, onPressureDrop: drop))
        #expect(try await queue.get() == 1)             // not empty: async get judges nothing
        #expect(queue.tryGet() == 2)                    // 1 before removing, low watermark 0: nothing
        #expect(log.entries == ["high"])
        let getter = Task { try await queue.get() }     // empty: every pending handler, then waits
        await eventually { queue.waitingGetters == 1 }
        #expect(log.entries == ["high", "drop"])
        #expect(queue.pendingPressureDrops == 0)
        queue.forcePut(3)
        #expect(try await getter.value == 3)
    }

    @Test("plain puts never judge pressure, and clear keeps pending handlers (as mode)")
    func plainPutsDoNotJudge() async throws {
        let log = EventLog()
        let queue = FlowControlQueue<Int>(
            maxSize: 10, onPressureHigh: { log.append("hook.high") }, onPressureDrop: { log.append("hook.drop") })
        for value in 1...10 { try await queue.put(value) }
        #expect(log.entries.isEmpty)
        #expect(queue.forcePut(11, onPressureHigh: {}, onPressureDrop: PressureDropHandler {}))
        queue.clear()
        #expect(queue.pendingPressureDrops == 1)
        #expect(log.entries == ["hook.high"])
    }
}

@Suite("ThrowableQueue")
struct ThrowableQueueTests {
    @Test("mode's test_get__throw_first_in_buffer: the error comes first, then the items in order")
    func errorComesFirst() async throws {
        let queue = ThrowableQueue<Int>(flowControl: FlowControlEvent(initiallySuspended: false))
        try await queue.put(1)
        try await queue.put(2)
        #expect(try await queue.get() == 1)
        #expect(try await queue.get() == 2)
        try await queue.put(3)
        try await queue.put(4)
        queue.throw(StreamEnded())
        #expect(queue.count == 2 && queue.pendingErrors == 1 && !queue.isEmpty)
        await #expect(throws: StreamEnded()) { try await queue.get() }
        #expect(try await queue.get() == 3)
        #expect(try await queue.get() == 4)
        queue.throw(StreamEnded())
        #expect(!queue.isEmpty)
        await #expect(throws: StreamEnded()) { try await queue.get() }
        #expect(queue.isEmpty)
    }

    @Test("mode's test_get_nowait_throw_first_in_buffer")
    func tryGetThrowsFirst() async throws {
        let queue = ThrowableQueue<Int>()
        try await queue.put(3)
        try await queue.put(4)
        queue.throw(StreamEnded())
        #expect(throws: StreamEnded()) { try queue.tryGet() }
        #expect(try queue.tryGet() == 3)
        #expect(try queue.tryGet() == 4)
        #expect(try queue.tryGet() == nil)
    }

    @Test("a getter already waiting fails at once; the error is not kept")
    func errorGoesToAWaitingGetter() async throws {
        let queue = ThrowableQueue<Int>()
        let getter = Task { try await queue.get() }
        await eventually { queue.waitingGetters == 1 }
        queue.throw(StreamEnded())
        await #expect(throws: StreamEnded()) { try await getter.value }
        #expect(queue.pendingErrors == 0)
        queue.throw(StreamEnded())
        queue.clear()
        #expect(try queue.tryGet() == nil)
        #expect(queue.isEmpty)
    }

    @Test("mode's test_clear__cancels_waiting_putter: a blocked put throws CancellationError and stores nothing")
    func clearCancelsBlockedPutters() async throws {
        let queue = ThrowableQueue<Int>(maxSize: 1)
        try await queue.put(1)
        let putter = Task { try await queue.put(2) }
        await eventually { queue.waitingPutters == 1 }
        queue.clear()
        await #expect(throws: CancellationError.self) { try await putter.value }
        #expect(queue.count == 0 && queue.waitingPutters == 0)
        try await queue.put(5)
        #expect(try await queue.get() == 5)
    }
}
