/// A typed asynchronous observer (mode's `Signal`): receivers are `async` and `send` awaits each in
/// connection order. Connecting, filtering and default senders are ``SignalChannel``'s.
///
/// ```swift
/// let finished = Signal<Job, Int>(name: "Job.finished")
/// finished.connect { job, result in print("\(job) finished with \(result)") }
/// try await finished.send(42, from: job)
/// ```
public typealias Signal<Sender: Sendable, Value: Sendable> =
    SignalChannel<Sender, Value, @Sendable (Sender, Value) async throws -> Void>

extension SignalChannel where Receiver == @Sendable (Sender, Value) async throws -> Void {
    /// Connects `receiver` for as long as `owner` lives (mode's `connect(..., weak=True)`): the signal holds
    /// `owner` weakly and passes it to the receiver; once `owner` is gone the receiver is no longer called
    /// and is pruned from the signal. The receiver must not capture `owner` strongly.
    ///
    /// ```swift
    /// final class Dashboard: Sendable {
    ///     init(jobs: Signal<Job, Int>) {
    ///         jobs.connect(owner: self) { dashboard, job, result in dashboard.show(job, result) }
    ///     }
    /// }
    /// ```
    @discardableResult
    public func connect<Owner: AnyObject & Sendable>(
        owner: Owner, id: SignalReceiverID = SignalReceiverID(), from sender: Sender? = nil,
        _ receiver: @escaping @Sendable (Owner, Sender, Value) async throws -> Void
    ) -> SignalReceiverID {
        store.connect(id: id, from: sender ?? defaultSender, owner: owner) { weakOwner in
            { sender, value in
                if let owner = weakOwner.object { try await receiver(owner, sender, value) }
            }
        }
        return id
    }

    /// Sends `value` from `sender` to every accepting receiver, in connection order, awaiting each.
    ///
    /// ```swift
    /// try await signal.send(42, from: job)
    /// ```
    ///
    /// - Throws: the first receiver error (later receivers are not called).
    public func send(_ value: Value, from sender: Sender) async throws {
        for receiver in store.receivers(for: sender) {
            try await receiver(sender, value)
        }
    }

    /// Sends `value` from the default sender.
    ///
    /// - Throws: ``SignalError`` with ``SignalError/Code/missingSender`` if there is no default sender, or
    ///   the first receiver error.
    public func send(_ value: Value) async throws {
        try await send(value, from: try requireDefaultSender())
    }
}

extension SignalChannel where Value == Void, Receiver == @Sendable (Sender, Value) async throws -> Void {
    /// Sends from the default sender for a signal without a value.
    ///
    /// ```swift
    /// try await ready.send()
    /// ```
    public func send() async throws { try await send(()) }
}
