/// A typed synchronous observer (mode's `SyncSignal`): receivers are synchronous and `send` calls each in
/// connection order. Connecting, filtering and default senders are ``SignalChannel``'s.
///
/// ```swift
/// let hits = SyncSignal<String, Int>(name: "cache.hit")
/// hits.connect { key, count in print(key, count) }
/// try hits.send(3, from: "home")
/// ```
public typealias SyncSignal<Sender: Sendable, Value: Sendable> =
    SignalChannel<Sender, Value, @Sendable (Sender, Value) throws -> Void>

extension SignalChannel where Receiver == @Sendable (Sender, Value) throws -> Void {
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
        try send(value, from: try requireDefaultSender())
    }
}

extension SignalChannel where Value == Void, Receiver == @Sendable (Sender, Value) throws -> Void {
    /// Sends from the default sender for a signal without a value.
    ///
    /// ```swift
    /// try ready.send()
    /// ```
    public func send() throws { try send(()) }
}
