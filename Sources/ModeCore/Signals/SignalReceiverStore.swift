import Synchronization

/// The identity a sender filter compares: the object for class instances, else the value if `Hashable`.
enum SenderIdentity: Hashable, @unchecked Sendable {
    // @unchecked: `AnyHashable` wraps only values that came from a `Sendable` sender (the generic
    // parameter of `Signal` is constrained to `Sendable`), so the box never holds non-Sendable state.
    case object(ObjectIdentifier)
    case value(AnyHashable)

    /// The identity of `sender`, or `nil` when it is neither a class instance nor `Hashable`.
    static func of(_ sender: some Sendable) -> SenderIdentity? {
        let value = sender as Any
        if type(of: value) is AnyClass { return .object(ObjectIdentifier(value as AnyObject)) }
        if let hashable = value as? any Hashable { return .value(AnyHashable(hashable)) }
        return nil
    }
}

/// Which senders a receiver accepts.
enum SenderFilter<Sender: Sendable>: Sendable {
    case any
    case identity(SenderIdentity)
    case predicate(@Sendable (Sender) -> Bool)
}

/// The receivers of a signal, in connection order, shared by every copy made with `withDefaultSender`.
final class SignalReceiverStore<Sender: Sendable, Receiver: Sendable>: Sendable {
    private struct Entry {
        let id: SignalReceiverID
        let filter: SenderFilter<Sender>
        let receiver: Receiver
        /// For a receiver tied to an owner's lifetime: whether the owner is still alive.
        let isAlive: (@Sendable () -> Bool)?

        var isDead: Bool { isAlive.map { !$0() } ?? false }
    }

    private let entries = Mutex<[Entry]>([])

    /// Connected receivers whose owner (if any) is alive; dead ones are pruned.
    var count: Int {
        entries.withLock { entries in
            Self.prune(&entries)
            return entries.count
        }
    }

    func connect(
        id: SignalReceiverID, filter: SenderFilter<Sender>, receiver: Receiver,
        isAlive: (@Sendable () -> Bool)? = nil
    ) {
        entries.withLock { entries in
            Self.prune(&entries)
            guard !entries.contains(where: { $0.id == id }) else { return }
            entries.append(Entry(id: id, filter: filter, receiver: receiver, isAlive: isAlive))
        }
    }

    /// Connects `receiver` for sends from `sender` (every sender when `nil`, or when `sender` has no identity).
    func connect(id: SignalReceiverID, from sender: Sender?, receiver: Receiver) {
        connect(id: id, filter: Self.filter(from: sender), receiver: receiver)
    }

    private static func filter(from sender: Sender?) -> SenderFilter<Sender> {
        sender.flatMap(SenderIdentity.of).map { .identity($0) } ?? .any
    }

    /// Connects a receiver tied to `owner`'s lifetime: `makeReceiver` wraps the user's receiver around the
    /// weak reference; the entry is pruned once `owner` is gone. `sender` filters as `connect(from:)` does.
    func connect<Owner: AnyObject & Sendable>(
        id: SignalReceiverID, from sender: Sender?, owner: Owner,
        makeReceiver: (WeakOwner<Owner>) -> Receiver
    ) {
        let weakOwner = WeakOwner(owner)
        connect(
            id: id, filter: Self.filter(from: sender), receiver: makeReceiver(weakOwner),
            isAlive: { weakOwner.object != nil })
    }

    private static func prune(_ entries: inout [Entry]) {
        if entries.contains(where: \.isDead) { entries.removeAll(where: \.isDead) }
    }

    func disconnect(_ id: SignalReceiverID) {
        entries.withLock { $0.removeAll { $0.id == id } }
    }

    func contains(_ id: SignalReceiverID) -> Bool {
        entries.withLock { entries in
            Self.prune(&entries)
            return entries.contains { $0.id == id }
        }
    }

    /// The receivers that accept `sender`, in connection order. Predicates run outside the lock.
    func receivers(for sender: Sender) -> [Receiver] {
        let identity = SenderIdentity.of(sender)
        let candidates = entries.withLock { entries -> [(predicate: (@Sendable (Sender) -> Bool)?, receiver: Receiver)] in
            Self.prune(&entries)
            return entries.compactMap { entry in
                switch entry.filter {
                case .any: (nil, entry.receiver)
                case .identity(let expected): expected == identity ? (nil, entry.receiver) : nil
                case .predicate(let predicate): (predicate, entry.receiver)
                }
            }
        }
        return candidates.compactMap { candidate in
            candidate.predicate.map { $0(sender) ? candidate.receiver : nil } ?? candidate.receiver
        }
    }
}
