/// mode's `Signal` and `SyncSignal` in one type: a typed observer whose receivers are called with the sender
/// and a value. Use it through its two names, ``Signal`` (receivers are `async`, `send` awaits each) and
/// ``SyncSignal`` (receivers are synchronous, `send` calls each in place); everything but sending and weak
/// receivers is written once, here.
///
/// - Receivers run **in connection order** (mode keeps them in sets, so its order is unspecified).
/// - `connect` is idempotent per ``SignalReceiverID``; `disconnect` of an unknown receiver does nothing.
/// - A receiver may accept every sender, one sender (`from:`), or those matching a predicate (`where:`).
/// - ``withDefaultSender(_:)`` returns a copy that shares the receivers and sends as, and filters on, that
///   sender — the usual way for an owner to expose its signal.
/// - The first receiver error stops the send and propagates to the caller (remaining receivers are skipped),
///   as in mode.
///
/// Thread-safe; a signal is a cheap value that refers to a shared receiver list.
///
/// ```swift
/// actor Job {
///     let finished: Signal<Job, Int>
///     init(finished: Signal<Job, Int>) { self.finished = finished }
///     func complete() async throws { try await finished.withDefaultSender(self).send(42) }
/// }
///
/// let finished = Signal<Job, Int>(name: "Job.finished")
/// finished.connect { job, result in print("\(job) finished with \(result)") }
/// let cached = SyncSignal<String, Int>(name: "cache.hit")
/// cached.connect { key, count in print(key, count) }
/// try cached.send(3, from: "home")
/// ```
public struct SignalChannel<Sender: Sendable, Value: Sendable, Receiver: Sendable>: Sendable, CustomStringConvertible {
    /// The signal's name, for logs.
    public let name: String
    /// The sender used by ``send(_:)`` and the filter used by `connect` on this copy.
    public let defaultSender: Sender?
    let store: SignalReceiverStore<Sender, Receiver>

    /// Creates a signal with no receivers.
    ///
    /// ```swift
    /// let ready = Signal<String, Void>(name: "ready", defaultSender: "cache")
    /// ```
    public init(name: String = "", defaultSender: Sender? = nil) {
        self.init(name: name, defaultSender: defaultSender, store: SignalReceiverStore())
    }

    init(name: String, defaultSender: Sender?, store: SignalReceiverStore<Sender, Receiver>) {
        self.name = name
        self.defaultSender = defaultSender
        self.store = store
    }

    /// A copy sharing this signal's receivers, whose default sender is `sender`.
    ///
    /// ```swift
    /// let mine = signal.withDefaultSender(self)
    /// try await mine.send(value)     // sent as `self`
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
    public func connect(id: SignalReceiverID = SignalReceiverID(), _ receiver: Receiver) -> SignalReceiverID {
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
        id: SignalReceiverID = SignalReceiverID(), from sender: Sender, _ receiver: Receiver
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
        _ receiver: Receiver
    ) -> SignalReceiverID {
        store.connect(id: id, filter: .predicate(predicate), receiver: receiver)
        return id
    }

    /// Disconnects a receiver; unknown identifiers are ignored.
    public func disconnect(_ id: SignalReceiverID) { store.disconnect(id) }

    /// Whether a receiver with this identifier is connected.
    public func isConnected(_ id: SignalReceiverID) -> Bool { store.contains(id) }

    /// Number of connected receivers (shared by all copies); receivers whose owner is gone are pruned first.
    public var receiverCount: Int { store.count }

    /// Throws ``SignalError/Code/missingSender`` when the copy has no default sender.
    func requireDefaultSender() throws -> Sender {
        guard let defaultSender else { throw SignalError.missingSender(signal: name) }
        return defaultSender
    }

    public var description: String {
        let isSync = Receiver.self == (@Sendable (Sender, Value) throws -> Void).self
        let kind = isSync ? "SyncSignal" : "Signal"
        let sender = defaultSender.map { " sender=\($0)" } ?? ""
        return "<\(kind): \(name)\(sender)>"
    }
}
