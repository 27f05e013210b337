/// A ``FlowControlQueue`` that can also carry errors (mode's `ThrowableQueue`).
///
/// ``throw(_:)`` enqueues an error **in order with the elements**: the getter that reaches it gets the error
/// thrown, and the elements queued before it are delivered first. This differs from mode, which raises a
/// buffered error before any buffered item; keeping FIFO order means a consumer never loses track of which
/// items preceded a failure. Errors bypass `maxSize` and suspension, as in mode.
///
/// ```swift
/// let queue = ThrowableQueue<Int>(maxSize: 10)
/// try await queue.put(1)
/// queue.throw(StreamEnded())
/// try await queue.get()          // 1
/// try await queue.get()          // throws StreamEnded
/// ```
public final class ThrowableQueue<Element: Sendable>: Sendable {
    private let queue: FlowControlQueue<Result<Element, any Error>>

    /// Creates a queue; the parameters are those of
    /// ``FlowControlQueue/init(maxSize:flowControl:clearOnResume:highWatermark:lowWatermark:onPressureHigh:onPressureDrop:)``.
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

    /// Queued elements and errors.
    public var count: Int { queue.count }
    /// Whether nothing (element or error) is queued.
    public var isEmpty: Bool { queue.isEmpty }
    /// Tasks waiting in ``get()``.
    public var waitingGetters: Int { queue.waitingGetters }

    /// Adds `element`, waiting for flow control and room (see ``FlowControlQueue/put(_:)``).
    public func put(_ element: Element) async throws { try await queue.put(.success(element)) }

    /// Adds `element` if possible without waiting. Returns whether it did.
    public func tryPut(_ element: Element) -> Bool { queue.tryPut(.success(element)) }

    /// Adds `element` ignoring `maxSize` and suspension.
    public func forcePut(_ element: Element) { queue.forcePut(.success(element)) }

    /// Enqueues `error` after the elements already queued; the getter that reaches it throws it.
    ///
    /// ```swift
    /// queue.throw(ConnectionLost())
    /// ```
    public func `throw`(_ error: any Error) { queue.forcePut(.failure(error)) }

    /// The next element, or the next error thrown, waiting while the queue is empty.
    ///
    /// - Throws: a queued error, or `CancellationError` if cancelled while waiting.
    public func get() async throws -> Element { try await queue.get().get() }

    /// The next element, `nil` if the queue is empty, or throws the next queued error.
    public func tryGet() throws -> Element? { try queue.tryGet()?.get() }

    /// Drops every queued element and error.
    public func clear() { queue.clear() }
}
