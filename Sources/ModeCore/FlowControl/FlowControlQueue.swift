import Synchronization

/// An async FIFO queue with back-pressure, flow control and pressure callbacks (mode's `FlowControlQueue`).
///
/// - ``put(_:)`` waits while the ``FlowControlEvent`` is suspended, then while the queue is full
///   (`maxSize > 0`); ``get()`` waits while it is empty. Waiting is cancellation-safe: a cancelled `put`
///   does not enqueue its element, a cancelled `get` does not lose one.
/// - With `clearOnResume: true`, queued elements are dropped when the event resumes (stale data).
/// - Pressure callbacks are edge-triggered: `onPressureHigh` once the count reaches `highWatermark`, then
///   `onPressureDrop` once it falls to `lowWatermark` or below. Defaults follow mode:
///   `high = maxSize / 1.25`, `low = maxSize · 0.4` (rounded down); an unbounded queue has no defaults
///   (mode's unbounded queue is always "under pressure").
///
/// ```swift
/// let flow = FlowControlEvent(initiallySuspended: false)
/// let queue = FlowControlQueue<Int>(
///     maxSize: 100, flowControl: flow,
///     onPressureHigh: { print("slow down") }, onPressureDrop: { print("carry on") })
/// try await queue.put(1)
/// let value = try await queue.get()
/// ```
public final class FlowControlQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var head = 0
        var getters = FlowControlWaiters<Void, Element>()
        var putters = FlowControlWaiters<Element, Void>()
        var underPressure = false

        var count: Int { items.count - head }

        mutating func popItem() -> Element {
            let item = items[head]
            head += 1
            if head > 32 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    private enum PressureChange { case high, drop }

    /// The capacity; 0 means unbounded.
    public let maxSize: Int
    /// The count at which `onPressureHigh` fires, if any.
    public let highWatermark: Int?
    /// The count at or below which `onPressureDrop` fires after a high-pressure event.
    public let lowWatermark: Int
    private let flowControl: FlowControlEvent?
    private let onPressureHigh: (@Sendable () -> Void)?
    private let onPressureDrop: (@Sendable () -> Void)?
    private let state = Mutex(State())
    private let resumeHandler = Mutex<UInt64?>(nil)

    /// Creates a queue.
    ///
    /// - Parameters:
    ///   - maxSize: capacity; `0` (default) means unbounded.
    ///   - flowControl: the event that suspends producers; `nil` means never suspended.
    ///   - clearOnResume: drop queued elements whenever `flowControl` resumes.
    ///   - highWatermark: count that triggers `onPressureHigh`; default `maxSize / 1.25` when bounded.
    ///   - lowWatermark: count that triggers `onPressureDrop`; default `maxSize · 0.4`.
    ///   - onPressureHigh: called (outside the queue's lock) when the count reaches `highWatermark`.
    ///   - onPressureDrop: called when, after a high, the count falls to `lowWatermark` or below.
    public init(
        maxSize: Int = 0, flowControl: FlowControlEvent? = nil, clearOnResume: Bool = false,
        highWatermark: Int? = nil, lowWatermark: Int? = nil,
        onPressureHigh: (@Sendable () -> Void)? = nil, onPressureDrop: (@Sendable () -> Void)? = nil
    ) {
        self.maxSize = max(0, maxSize)
        self.highWatermark = highWatermark ?? (maxSize > 0 ? Int(Double(maxSize) / 1.25) : nil)
        self.lowWatermark = lowWatermark ?? Int(Double(max(0, maxSize)) * 0.4)
        self.flowControl = flowControl
        self.onPressureHigh = onPressureHigh
        self.onPressureDrop = onPressureDrop
        if clearOnResume, let flowControl {
            let id = flowControl.addResumeHandler { [weak self] in self?.clear() }
            resumeHandler.withLock { $0 = id }
        }
    }

    deinit {
        if let id = resumeHandler.withLock({ $0 }) { flowControl?.removeResumeHandler(id) }
    }

    /// Elements in the queue.
    public var count: Int { state.withLock { $0.count } }
    /// Whether the queue holds no element.
    public var isEmpty: Bool { count == 0 }
    /// Tasks waiting in ``get()``.
    public var waitingGetters: Int { state.withLock { $0.getters.count } }
    /// Tasks waiting in ``put(_:)`` because the queue is full.
    public var waitingPutters: Int { state.withLock { $0.putters.count } }

    /// Adds `element`, waiting while the flow control is suspended and while the queue is full.
    ///
    /// ```swift
    /// try await queue.put(event)
    /// ```
    ///
    /// - Throws: `CancellationError` if cancelled while waiting (the element is then not enqueued).
    public func put(_ element: Element) async throws {
        if let flowControl { try await flowControl.acquire() }
        let id = state.withLock { $0.putters.reserve() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: (Result<Void, any Error>, Handoff)? = state.withLock { state in
                    guard state.putters.isLive(id) else { return (.failure(CancellationError()), Handoff()) }
                    guard maxSize > 0, state.count >= maxSize, state.getters.isEmpty else {
                        state.putters.finish(id)
                        return (.success(()), enqueue(element, into: &state))
                    }
                    state.putters.park(id, element, continuation)
                    return nil
                }
                if let (result, handoff) = outcome {
                    continuation.resume(with: result)
                    deliver(handoff)
                }
            }
        } onCancel: {
            state.withLock { $0.putters.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Adds `element` if the flow control is active and there is room. Returns whether it did.
    public func tryPut(_ element: Element) -> Bool {
        if let flowControl, !flowControl.isActive { return false }
        let handoff: Handoff? = state.withLock { state in
            guard maxSize == 0 || state.count < maxSize || !state.getters.isEmpty else { return nil }
            return enqueue(element, into: &state)
        }
        guard let handoff else { return false }
        deliver(handoff)
        return true
    }

    /// Adds `element` even if the queue is full or suspended (mode's `force_put_nowait`).
    public func forcePut(_ element: Element) {
        deliver(state.withLock { enqueue(element, into: &$0) })
    }

    /// Removes and returns the oldest element, waiting while the queue is empty.
    ///
    /// ```swift
    /// while true { handle(try await queue.get()) }
    /// ```
    ///
    /// - Throws: `CancellationError` if cancelled while waiting (no element is lost).
    public func get() async throws -> Element {
        let id = state.withLock { $0.getters.reserve() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element, any Error>) in
                let outcome: (Result<Element, any Error>, Handoff)? = state.withLock { state in
                    guard state.getters.isLive(id) else { return (.failure(CancellationError()), Handoff()) }
                    guard state.count > 0 else {
                        state.getters.park(id, (), continuation)
                        return nil
                    }
                    state.getters.finish(id)
                    let (element, handoff) = dequeue(from: &state)
                    return (.success(element), handoff)
                }
                if let (result, handoff) = outcome {
                    continuation.resume(with: result)
                    deliver(handoff)
                }
            }
        } onCancel: {
            state.withLock { $0.getters.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Removes and returns the oldest element, or `nil` if the queue is empty.
    public func tryGet() -> Element? {
        let result: (Element, Handoff)? = state.withLock { state in
            state.count > 0 ? dequeue(from: &state) : nil
        }
        guard let (element, handoff) = result else { return nil }
        deliver(handoff)
        return element
    }

    /// Drops every queued element (waiting producers may then enqueue theirs).
    public func clear() {
        let handoff = state.withLock { state -> Handoff in
            state.items = []
            state.head = 0
            var handoff = Handoff()
            admitPutters(&state, into: &handoff)
            handoff.pressure = pressureChange(&state)
            return handoff
        }
        deliver(handoff)
    }

    // MARK: - Internals (all called with the lock held, except `deliver`)

    /// Work to finish outside the lock: continuations to resume and a pressure callback to call.
    private struct Handoff {
        var getter: (CheckedContinuation<Element, any Error>, Element)?
        var putters: [CheckedContinuation<Void, any Error>] = []
        var pressure: PressureChange?
    }

    private func enqueue(_ element: Element, into state: inout State) -> Handoff {
        var handoff = Handoff()
        if let getter = state.getters.popFirst() {
            handoff.getter = (getter.continuation, element)  // the queue is empty: hand it over directly
        } else {
            state.items.append(element)
            handoff.pressure = pressureChange(&state)
        }
        return handoff
    }

    private func dequeue(from state: inout State) -> (Element, Handoff) {
        let element = state.popItem()
        var handoff = Handoff()
        admitPutters(&state, into: &handoff)
        handoff.pressure = pressureChange(&state)
        return (element, handoff)
    }

    private func admitPutters(_ state: inout State, into handoff: inout Handoff) {
        while maxSize == 0 || state.count < maxSize, let putter = state.putters.popFirst() {
            state.items.append(putter.payload)
            handoff.putters.append(putter.continuation)
        }
    }

    private func pressureChange(_ state: inout State) -> PressureChange? {
        if !state.underPressure, let highWatermark, state.count >= highWatermark {
            state.underPressure = true
            return .high
        }
        if state.underPressure, state.count <= lowWatermark {
            state.underPressure = false
            return .drop
        }
        return nil
    }

    private func deliver(_ handoff: Handoff) {
        if let (continuation, element) = handoff.getter { continuation.resume(returning: element) }
        for putter in handoff.putters { putter.resume() }
        switch handoff.pressure {
        case .high?: onPressureHigh?()
        case .drop?: onPressureDrop?()
        case nil: break
        }
    }
}
