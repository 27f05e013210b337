import Synchronization

/// An async FIFO queue with back-pressure, flow control and pressure callbacks (mode's `FlowControlQueue`).
///
/// - ``put(_:)`` waits while the ``FlowControlEvent`` is suspended, then while the queue is full
///   (`maxSize > 0`); ``get()`` waits while it is empty. Waiting is cancellation-safe: a cancelled `put`
///   does not enqueue its element, a cancelled `get` does not lose one.
/// - With `clearOnResume: true`, queued elements are dropped when the event resumes (stale data).
/// - Pressure is judged exactly as mode does, only by
///   ``forcePut(_:onPressureHigh:onPressureDrop:)`` (mode's `put_nowait_enhanced`), ``tryGet()`` (mode's
///   `get_nowait`) and ``get()``: a put reports high pressure (returns `true`, calls its `onPressureHigh`
///   and the queue's) when the count *before* it is at least ``highWatermark`` and its drop handler is not
///   already pending; the handler then stays pending. ``tryGet()`` — and ``get()`` when it finds the queue
///   empty — first looks at the count *before* removing: at most ``lowWatermark`` but not empty, it calls
///   the oldest pending handler; empty, it calls them all. Defaults are mode's: `high = ⌊maxSize / 1.25⌋`,
///   `low = ⌊maxSize · 0.4⌋`, so an unbounded queue (`maxSize` 0) reports high pressure on a producer's
///   first put, as in mode. Plain puts never judge pressure.
///
/// ```swift
/// let flow = FlowControlEvent(initiallySuspended: false)
/// let queue = FlowControlQueue<Int>(maxSize: 100, flowControl: flow)
/// let resume = PressureDropHandler { print("carry on") }
/// let high = queue.forcePut(1, onPressureHigh: { print("slow down") }, onPressureDrop: resume)
/// let value = try await queue.get()
/// ```
public final class FlowControlQueue<Element: Sendable>: Sendable {
    struct State {
        var items: [Element] = []
        var head = 0
        var errors: [any Error] = []
        var getters = FlowControlWaiters<Void, Element>()
        var putters = FlowControlWaiters<Element, Void>()
        /// Drop handlers of producers that reported high pressure, oldest first.
        var pendingDrops: [PressureDropHandler] = []

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

    /// The capacity; 0 means unbounded.
    public let maxSize: Int
    /// The count from which a put reports high pressure: mode's `pressure_high_size`, `⌊maxSize / 1.25⌋`.
    public let highWatermark: Int
    /// The count at or below which a get calls a pending drop handler: mode's `pressure_drop_size`,
    /// `⌊maxSize · 0.4⌋`.
    public let lowWatermark: Int
    private let flowControl: FlowControlEvent?
    private let onPressureHigh: (@Sendable () -> Void)?
    private let onPressureDrop: (@Sendable () -> Void)?
    let state = Mutex(State())
    private let resumeHandler = Mutex<UInt64?>(nil)

    /// Creates a queue.
    ///
    /// ```swift
    /// let queue = FlowControlQueue<Event>(maxSize: 1_000, onPressureHigh: { metrics.highPressure() })
    /// ```
    ///
    /// - Parameters:
    ///   - maxSize: capacity; `0` (default) means unbounded.
    ///   - flowControl: the event that suspends producers; `nil` means never suspended.
    ///   - clearOnResume: drop queued elements whenever `flowControl` resumes.
    ///   - highWatermark: default mode's `⌊maxSize / 1.25⌋`.
    ///   - lowWatermark: default mode's `⌊maxSize · 0.4⌋`.
    ///   - onPressureHigh: the queue's own hook (mode's `on_pressure_high` method), called whenever a put
    ///     reports high pressure, before the put's own callback.
    ///   - onPressureDrop: the queue's own hook (mode's `on_pressure_drop` method), called whenever a get
    ///     calls pending drop handlers.
    public init(
        maxSize: Int = 0, flowControl: FlowControlEvent? = nil, clearOnResume: Bool = false,
        highWatermark: Int? = nil, lowWatermark: Int? = nil,
        onPressureHigh: (@Sendable () -> Void)? = nil, onPressureDrop: (@Sendable () -> Void)? = nil
    ) {
        let size = max(0, maxSize)
        self.maxSize = size
        self.highWatermark = highWatermark ?? size * 4 / 5
        self.lowWatermark = lowWatermark ?? size * 2 / 5
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

    /// Elements in the queue (mode's `qsize()`).
    public var count: Int { state.withLock { $0.count } }
    /// Whether the queue holds no element (and, for a ``ThrowableQueue``, no error).
    public var isEmpty: Bool { state.withLock { $0.count == 0 && $0.errors.isEmpty } }
    /// Tasks waiting in ``get()``.
    public var waitingGetters: Int { state.withLock { $0.getters.count } }
    /// Tasks waiting in ``put(_:)`` because the queue is full.
    public var waitingPutters: Int { state.withLock { $0.putters.count } }
    /// Drop handlers waiting for the pressure to drop.
    public var pendingPressureDrops: Int { state.withLock { $0.pendingDrops.count } }

    /// Adds `element`, waiting while the flow control is suspended and while the queue is full.
    ///
    /// ```swift
    /// try await queue.put(event)
    /// ```
    ///
    /// - Throws: `CancellationError` if cancelled while waiting (the element is then not enqueued), also
    ///   when a ``ThrowableQueue`` is cleared.
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
    ///
    /// ```swift
    /// if !queue.tryPut(event) { dropped += 1 }
    /// ```
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
    ///
    /// ```swift
    /// queue.forcePut(shutdownMarker)
    /// ```
    public func forcePut(_ element: Element) {
        deliver(state.withLock { enqueue(element, into: &$0) })
    }

    /// Adds `element` even if the queue is full or suspended, and tells whether the queue is under high
    /// pressure (mode's `put_nowait_enhanced`).
    ///
    /// The put reports high pressure — returns `true` after calling the queue's `onPressureHigh` hook and
    /// then `onPressureHigh` — when `onPressureDrop` is not already pending and the count before the put is
    /// at least ``highWatermark``; `onPressureDrop` is then kept until a get calls it (see the type's
    /// documentation). Both callbacks run after the element is queued, outside the queue's lock.
    ///
    /// ```swift
    /// let resume = PressureDropHandler { consumer.resume() }
    /// if queue.forcePut(record, onPressureHigh: { consumer.pause() }, onPressureDrop: resume) {
    ///     logger.debug("buffer full: paused")
    /// }
    /// ```
    @discardableResult
    public func forcePut(
        _ element: Element, onPressureHigh: () -> Void, onPressureDrop: PressureDropHandler
    ) -> Bool {
        let (high, handoff) = state.withLock { state -> (Bool, Handoff) in
            var high = false
            if !state.pendingDrops.contains(onPressureDrop), state.count >= highWatermark {
                state.pendingDrops.append(onPressureDrop)
                high = true
            }
            return (high, enqueue(element, into: &state))
        }
        deliver(handoff)
        if high {
            self.onPressureHigh?()
            onPressureHigh()
        }
        return high
    }

    /// Removes and returns the oldest element, waiting while the queue is empty. Finding the queue empty,
    /// it first calls every pending drop handler (mode's `get`).
    ///
    /// ```swift
    /// while true { handle(try await queue.get()) }
    /// ```
    ///
    /// - Throws: `CancellationError` if cancelled while waiting (no element is lost); for a
    ///   ``ThrowableQueue``, the next thrown error.
    public func get() async throws -> Element {
        let id = state.withLock { $0.getters.reserve() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element, any Error>) in
                let (result, handoff) = state.withLock { state -> (Result<Element, any Error>?, Handoff) in
                    guard state.getters.isLive(id) else { return (.failure(CancellationError()), Handoff()) }
                    if !state.errors.isEmpty {
                        state.getters.finish(id)
                        return (.failure(state.errors.removeFirst()), Handoff())
                    }
                    guard state.count > 0 else {
                        var handoff = Handoff()
                        endorsePressureDrop(&state, into: &handoff)
                        state.getters.park(id, (), continuation)
                        return (nil, handoff)
                    }
                    state.getters.finish(id)
                    let (element, handoff) = dequeue(from: &state)
                    return (.success(element), handoff)
                }
                if let result { continuation.resume(with: result) }
                deliver(handoff)
            }
        } onCancel: {
            state.withLock { $0.getters.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Removes and returns the oldest element, or `nil` if the queue is empty (mode's `get_nowait`, which
    /// judges the pressure drop first on every call).
    ///
    /// ```swift
    /// while let event = queue.tryGet() { handle(event) }
    /// ```
    public func tryGet() -> Element? {
        try? tryGetOrThrow()
    }

    /// ``tryGet()`` that throws a ``ThrowableQueue``'s next error first.
    func tryGetOrThrow() throws -> Element? {
        let (result, handoff) = state.withLock { state -> (Result<Element?, any Error>, Handoff) in
            if !state.errors.isEmpty { return (.failure(state.errors.removeFirst()), Handoff()) }
            var handoff = Handoff()
            endorsePressureDrop(&state, into: &handoff)
            guard state.count > 0 else { return (.success(nil), handoff) }
            let (element, more) = dequeue(from: &state)
            handoff.putters = more.putters
            return (.success(element), handoff)
        }
        deliver(handoff)
        return try result.get()
    }

    /// Drops every queued element; producers waiting for room may then enqueue theirs (pending drop handlers
    /// stay pending, as in mode).
    ///
    /// ```swift
    /// queue.clear()
    /// ```
    public func clear() {
        deliver(state.withLock { clear(&$0, cancellingPutters: false) })
    }

    // MARK: - ThrowableQueue support

    /// Fails the first waiting getter with `error`, or keeps `error` for the next get.
    func fail(with error: any Error) {
        let getter = state.withLock { state -> CheckedContinuation<Element, any Error>? in
            if let getter = state.getters.popFirst() { return getter.continuation }
            state.errors.append(error)
            return nil
        }
        getter?.resume(throwing: error)
    }

    /// Errors waiting to be thrown by the next gets.
    var pendingErrorCount: Int { state.withLock { $0.errors.count } }

    /// Drops elements and errors and cancels the waiting producers.
    func clearCancellingPutters() {
        deliver(state.withLock { clear(&$0, cancellingPutters: true) })
    }

    // MARK: - Internals (all called with the lock held, except `deliver`)

    /// Work to finish outside the lock: continuations to resume and callbacks to call.
    private struct Handoff {
        var getter: (CheckedContinuation<Element, any Error>, Element)?
        var putters: [CheckedContinuation<Void, any Error>] = []
        var cancelledPutters: [CheckedContinuation<Void, any Error>] = []
        var drops: [PressureDropHandler] = []
    }

    private func clear(_ state: inout State, cancellingPutters: Bool) -> Handoff {
        state.items = []
        state.head = 0
        var handoff = Handoff()
        if cancellingPutters {
            state.errors = []
            handoff.cancelledPutters = state.putters.removeAll().map(\.continuation)
        } else {
            admitPutters(&state, into: &handoff)
        }
        return handoff
    }

    private func enqueue(_ element: Element, into state: inout State) -> Handoff {
        var handoff = Handoff()
        if let getter = state.getters.popFirst() {
            handoff.getter = (getter.continuation, element)  // the queue is empty: hand it over directly
        } else {
            state.items.append(element)
        }
        return handoff
    }

    private func dequeue(from state: inout State) -> (Element, Handoff) {
        let element = state.popItem()
        var handoff = Handoff()
        admitPutters(&state, into: &handoff)
        return (element, handoff)
    }

    private func admitPutters(_ state: inout State, into handoff: inout Handoff) {
        while maxSize == 0 || state.count < maxSize, let putter = state.putters.popFirst() {
            state.items.append(putter.payload)
            handoff.putters.append(putter.continuation)
        }
    }

    /// mode's `maybe_endorse_pressure_drop`, judged on the count before a get removes anything.
    private func endorsePressureDrop(_ state: inout State, into handoff: inout Handoff) {
        guard !state.pendingDrops.isEmpty else { return }
        if state.count == 0 {
            handoff.drops = state.pendingDrops
            state.pendingDrops = []
        } else if state.count <= lowWatermark {
            handoff.drops = [state.pendingDrops.removeFirst()]
        }
    }

    private func deliver(_ handoff: Handoff) {
        if let (continuation, element) = handoff.getter { continuation.resume(returning: element) }
        for putter in handoff.putters { putter.resume() }
        for putter in handoff.cancelledPutters { putter.resume(throwing: CancellationError()) }
        guard !handoff.drops.isEmpty else { return }
        for drop in handoff.drops { drop() }
        onPressureDrop?()
    }
}
