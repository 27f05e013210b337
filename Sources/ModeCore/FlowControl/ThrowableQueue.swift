/// A ``FlowControlQueue`` that can also carry errors (mode's `ThrowableQueue`).
///
/// ``throw(_:)`` hands the error to a getter already waiting, which throws it at once; with no getter
/// waiting, the error is kept and the **next** ``get()`` or ``tryGet()`` throws it, ahead of any queued
/// element; after it the elements come in order. ``clear()`` drops elements and errors and cancels the
/// producers blocked in ``put(_:)`` (they throw `CancellationError`; nothing they carried is stored).
///
/// ```swift
/// let queue = ThrowableQueue<Int>(maxSize: 10)
/// try await queue.put(1)
/// try await queue.put(2)
/// queue.throw(StreamEnded())
/// try await queue.get()          // throws StreamEnded
/// try await queue.get()          // 1
/// try await queue.get()          // 2
/// ```
public final class ThrowableQueue<Element: Sendable>: Sendable {
    private let queue: FlowControlQueue<Element>

    /// Creates a queue; the parameters are those of
    /// ``FlowControlQueue/init(maxSize:flowControl:clearOnResume:highWatermark:lowWatermark:onPressureHigh:onPressureDrop:)``.
    ///
    /// ```swift
    /// let queue = ThrowableQueue<Record>(maxSize: 100, flowControl: flow)
    /// ```
    public init(
        maxSize: Int = 0, flowControl: FlowControlEvent? = nil, clearOnResume: Bool = false,
        highWatermark: Int? = nil, lowWatermark: Int? = nil,
        onPressureHigh: (@Sendable () -> Void)? = nil, onPressureDrop: (@Sendable () -> Void)? = nil
    ) {
        queue = FlowControlQueue(
            maxSize: maxSize, flowControl: flowControl, clearOnResume: clearOnResume,
            highWatermark: highWatermark, lowWatermark: lowWatermark,
            onPressureHigh: onPressureHigh, onPressureDrop: onPressureDrop)
    }

    /// Queued elements (errors not included, as mode's `qsize()`).
    public var count: Int { queue.count }
    /// Errors waiting to be thrown by the next gets.
    public var pendingErrors: Int { queue.pendingErrorCount }
    /// Whether nothing (element or error) is queued (mode's `empty()`).
    public var isEmpty: Bool { queue.isEmpty }
    /// Tasks waiting in ``get()``.
    public var waitingGetters: Int { queue.waitingGetters }
    /// Tasks waiting in ``put(_:)`` because the queue is full.
    public var waitingPutters: Int { queue.waitingPutters }

    /// Adds `element`, waiting for flow control and room (see ``FlowControlQueue/put(_:)``).
    ///
    /// ```swift
    /// try await queue.put(record)
    /// ```
    ///
    /// - Throws: `CancellationError` if cancelled or if ``clear()`` runs while it waits for room.
    public func put(_ element: Element) async throws { try await queue.put(element) }

    /// Adds `element` if possible without waiting. Returns whether it did.
    public func tryPut(_ element: Element) -> Bool { queue.tryPut(element) }

    /// Adds `element` ignoring `maxSize` and suspension.
    public func forcePut(_ element: Element) { queue.forcePut(element) }

    /// mode's `put_nowait_enhanced`: see ``FlowControlQueue/forcePut(_:onPressureHigh:onPressureDrop:)``.
    @discardableResult
    public func forcePut(
        _ element: Element, onPressureHigh: () -> Void, onPressureDrop: PressureDropHandler
    ) -> Bool {
        queue.forcePut(element, onPressureHigh: onPressureHigh, onPressureDrop: onPressureDrop)
    }

    /// Makes a waiting getter throw `error` at once, or else the next get, ahead of queued elements.
    ///
    /// ```swift
    /// queue.throw(ConnectionLost())
    /// ```
    public func `throw`(_ error: any Error) { queue.fail(with: error) }

    /// The next error, thrown, or else the next element, waiting while the queue is empty.
    ///
    /// ```swift
    /// let record = try await queue.get()
    /// ```
    ///
    /// - Throws: the next error given to ``throw(_:)``, or `CancellationError` if cancelled while waiting.
    public func get() async throws -> Element { try await queue.get() }

    /// Throws the next error, or returns the next element, or `nil` if the queue is empty.
    public func tryGet() throws -> Element? { try queue.tryGetOrThrow() }

    /// Drops every queued element and error and cancels the producers waiting for room.
    ///
    /// ```swift
    /// queue.clear()
    /// ```
    public func clear() { queue.clearCancellingPutters() }
}
