/// A typed synchronous observer (mode's `SyncSignal`): receivers are called with the sender and a value.
///
/// - Receivers run **in connection order** (mode keeps them in sets, so its order is unspecified).
/// - `connect` is idempotent per ``SignalReceiverID``; `disconnect` of an unknown receiver does nothing.
/// - A receiver may accept every sender, one sender (`from:`), or those matching a predicate (`where:`).
/// - ``withDefaultSender(_:)`` returns a copy that shares the receivers and sends as, and filters on, that
///   sender — the usual way for an owner to expose its signal.
/// - The first receiver error stops the send and propagates to the caller (remaining receivers are skipped),
///   as in mode.
///
/// Thread-safe; a `Signal` is a cheap value that refers to a shared receiver list.
///
/// ```swift
/// actor Job {
///     let finished: SyncSignal<Job, Int>
///     init(finished: SyncSignal<Job, Int>) { self.finished = finished }
///     func complete() throws { try finished.withDefaultSender(self).send(42) }
/// }
///
/// let finished = SyncSignal<Job, Int>(name: "Job.finished")
/// finished.connect { job, result in print("\(job) finished with \(result)") }
/// ```
public struct SyncSignal<Sender: Sendable, Value: Sendable>: Sendable, CustomStringConvertible {
    /// A receiver: called with the sender and the value.
    public typealias Receiver = @Sendable (Sender, Value) throws -> Void

    /// The signal's name, for logs.
    public let name: String
    /// The sender used by ``send(_:)`` and the filter used by `connect` on this copy.
    public let defaultSender: Sender?
    private let store: SignalReceiverStore<Sender, Receiver>

    /// Creates a signal with no receivers.
    ///
    /// ```swift
    /// let ready = SyncSignal<String, Void>(name: "ready", defaultSender: "cache")
    /// ```
    public init(name: String = "", defaultSender: Sender? = nil) {
        self.init(name: name, defaultSender: defaultSender, store: SignalReceiverStore())
    }

    private init(name: String, defaultSender: Sender?, store: SignalReceiverStore<Sender, Receiver>) {
        self.name = name
        self.defaultSender = defaultSender
        self.store = store
    }

    /// A copy sharing this signal's receivers, whose default sender is `sender`.
    ///
    /// ```swift
    /// let mine = signal.withDefaultSender(self)
    /// try mine.send(value)     // sent as `self`
    /// ```
    public func withDefaultSender(_ sender: Sender) -> Self {
        Self(name: name, defaultSender: sender, store: store)
    }

    /// Connects `receiver`. On a copy with a default sender, it only receives that sender's sends when the
    /// sender has an identity (a class instance or a `Hashable` value), as in mode.
    ///
    /// ```swift
    /// let id = signal.connect { sender, value in print(sender, value) }
    /// ```
    @discardableResult
    public func connect(id: SignalReceiverID = SignalReceiverID(), _ receiver: @escaping Receiver) -> SignalReceiverID {
        store.connect(id: id, from: defaultSender, receiver: receiver)
        return id
    }

    /// Connects `receiver` for sends from `sender` only (compared by object identity for class instances,
    /// by `==` for `Hashable` values; any other sender type is not filtered).
    ///
    /// ```swift
    /// signal.connect(from: worker) { _, value in print("worker:", value) }
    /// ```
    @discardableResult
    public func connect(
        id: SignalReceiverID = SignalReceiverID(), from sender: Sender, _ receiver: @escaping Receiver
    ) -> SignalReceiverID {
        store.connect(id: id, from: sender, receiver: receiver)
        return id
    }

    /// Connects `receiver` for sends whose sender satisfies `predicate`.
    ///
    /// ```swift
    /// signal.connect(where: { $0.hasPrefix("db") }) { sender, value in print(sender, value) }
    /// ```
    @discardableResult
    public func connect(
        id: SignalReceiverID = SignalReceiverID(), where predicate: @escaping @Sendable (Sender) -> Bool,
        _ receiver: @escaping Receiver
    ) -> SignalReceiverID {
        store.connect(id: id, filter: .predicate(predicate), receiver: receiver)
        return id
    }

    /// Connects `receiver` for as long as `owner` lives (mode's `connect(..., weak=True)`): the signal holds
    /// `owner` weakly and passes it to the receiver; once `owner` is gone the receiver is no longer called
    /// and is pruned from the signal. The receiver must not capture `owner` strongly.
    ///
    /// ```swift
    /// final class Dashboard: Sendable {
    ///     init(jobs: SyncSignal<Job, Int>) {
    ///         jobs.connect(owner: self) { dashboard, job, result in dashboard.show(job, result) }
    ///     }
    /// }
    /// ```
    @discardableResult
    public func connect<Owner: AnyObject & Sendable>(
        owner: Owner, id: SignalReceiverID = SignalReceiverID(), from sender: Sender? = nil,
        _ receiver: @escaping @Sendable (Owner, Sender, Value) throws -> Void
    ) -> SignalReceiverID {
        store.connect(id: id, from: sender ?? defaultSender, owner: owner) { weakOwner in
            { sender, value in
                if let owner = weakOwner.object { try receiver(owner, sender, value) }
            }
        }
        return id
    }

    /// Disconnects a receiver; unknown identifiers are ignored.
    public func disconnect(_ id: SignalReceiverID) { store.disconnect(id) }

    /// Whether a receiver with this identifier is connected.
    public func isConnected(_ id: SignalReceiverID) -> Bool { store.contains(id) }

    /// Number of connected receivers (shared by all copies); receivers whose owner is gone are pruned first.
    public var receiverCount: Int { store.count }

    /// Sends `value` from `sender` to every accepting receiver, in connection order, synchronously.
    ///
    /// ```swift
    /// try signal.send(42, from: job)
    /// ```
    ///
    /// - Throws: the first receiver error (later receivers are not called).
    public func send(_ value: Value, from sender: Sender) throws {
        for receiver in store.receivers(for: sender) {
            try receiver(sender, value)
        }
    }

    /// Sends `value` from the default sender.
    ///
    /// - Throws: ``SignalError`` with ``SignalError/Code/missingSender`` if there is no default sender, or
    ///   the first receiver error.
    public func send(_ value: Value) throws {
        guard let defaultSender else { throw SignalError.missingSender(signal: name) }
        try send(value, from: defaultSender)
    }

    public var description: String {
        "<SyncSignal: \(name)\(defaultSender.map { " sender=\($0)" } ?? "")>"
    }
}

extension SyncSignal where Value == Void {
    /// Sends from the default sender for a signal without a value.
    ///
    /// ```swift
    /// try ready.send()
    /// ```
    public func send() throws { try send(()) }
}
