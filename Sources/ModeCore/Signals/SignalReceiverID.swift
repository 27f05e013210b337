import Synchronization

/// Identifies a receiver connected to a ``Signal`` or ``SyncSignal``; returned by `connect` and passed to
/// `disconnect`.
///
/// Connecting twice with the same identifier is a no-op, which makes connection idempotent:
///
/// ```swift
/// let id = SignalReceiverID("metrics")
/// signal.connect(id: id) { sender, value in record(value) }
/// signal.connect(id: id) { sender, value in record(value) }   // ignored: already connected
/// signal.disconnect(id)
/// ```
public struct SignalReceiverID: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
        case generated(UInt64)
        case named(String)
    }

    private static let counter = Atomic<UInt64>(0)
    private let wrapped: Wrapped

    /// A new identifier, different from every other one.
    public init() {
        wrapped = .generated(Self.counter.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    /// An identifier chosen by the caller, for idempotent connects across call sites.
    public init(_ name: String) {
        wrapped = .named(name)
    }

    public var description: String {
        switch wrapped {
        case .generated(let number): "#\(number)"
        case .named(let name): name
        }
    }
}
