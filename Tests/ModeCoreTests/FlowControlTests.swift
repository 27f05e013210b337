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

    @Test func pressureCallbacksAreEdgeTriggered() async throws {
        let log = EventLog()
        let queue = FlowControlQueue<Int>(
            maxSize: 10, onPressureHigh: { log.append("high") }, onPressureDrop: { log.append("drop") })
        #expect(queue.highWatermark == 8)                   // mode: floor(10 / 1.25)
        #expect(queue.lowWatermark == 4)                    // mode: floor(10 * 0.4)
        for value in 1...7 { try await queue.put(value) }
        #expect(log.entries.isEmpty)
        try await queue.put(8)
        try await queue.put(9)
        #expect(log.entries == ["high"])
        for _ in 0..<4 { _ = try await queue.get() }        // 5 left
        #expect(log.entries == ["high"])
        _ = try await queue.get()                           // 4 left
        #expect(log.entries == ["high", "drop"])
        for value in 0..<4 { try await queue.put(value) }   // back to 8
        queue.clear()
        #expect(log.entries == ["high", "drop", "high", "drop"])
    }
}

@Suite("ThrowableQueue")
struct ThrowableQueueTests {
    @Test func errorsAreDeliveredInOrderWithItems() async throws {
        let queue = ThrowableQueue<Int>(maxSize: 10)
        try await queue.put(1)
        try await queue.put(2)
        queue.throw(StreamEnded())
        try await queue.put(3)
        #expect(queue.count == 4)
        #expect(try await queue.get() == 1)
        #expect(try queue.tryGet() == 2)
        await #expect(throws: StreamEnded()) { try await queue.get() }
        #expect(try await queue.get() == 3)
        #expect(queue.isEmpty)
    }

    @Test func errorGoesToAWaitingGetter() async throws {
        let queue = ThrowableQueue<Int>()
        let getter = Task { try await queue.get() }
        await eventually { queue.waitingGetters == 1 }
        queue.throw(StreamEnded())
        await #expect(throws: StreamEnded()) { try await getter.value }
        queue.throw(StreamEnded())
        queue.clear()
        #expect(try queue.tryGet() == nil)
    }
}
