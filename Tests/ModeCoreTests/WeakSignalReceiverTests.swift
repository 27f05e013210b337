import ModeCore
import Synchronization
import Testing

/// Values given to listeners; the test keeps it while the listeners come and go.
private final class Received: Sendable {
    private let values = Mutex<[Int]>([])
    var all: [Int] { values.withLock { $0 } }
    func append(_ value: Int) { values.withLock { $0.append(value) } }
}

/// The owner of a weak receiver.
private final class Listener: Sendable {
    let received: Received
    init(_ received: Received) { self.received = received }
    func take(_ value: Int) { received.append(value) }
}

@Suite("Weak signal receivers (mode's connect(weak=True))")
struct WeakSignalReceiverTests {
    @Test("Signal: a receiver tied to an owner is called while it lives, then never again, and pruned")
    func asyncSignal() async throws {
        let signal = Signal<String, Int>(name: "values")
        let calls = Mutex<[String]>([])
        signal.connect { _, value in calls.withLock { $0.append("strong \(value)") } }
        let observed = Received()
        var listener: Listener? = Listener(observed)
        let id = signal.connect(owner: listener!) { owner, _, value in owner.take(value) }
        #expect(signal.receiverCount == 2 && signal.isConnected(id))
        try await signal.send(1, from: "test")
        #expect(observed.all == [1])
        listener = nil
        _ = listener
        try await signal.send(2, from: "test")
        #expect(observed.all == [1])          // not called after the owner is gone
        #expect(signal.receiverCount == 1 && !signal.isConnected(id))
        #expect(calls.withLock { $0 } == ["strong 1", "strong 2"])
    }

    @Test("SyncSignal: the same, synchronously; a sender filter still applies")
    func syncSignal() throws {
        let signal = SyncSignal<String, Int>(name: "values")
        let observed = Received()
        var listener: Listener? = Listener(observed)
        signal.connect(owner: listener!, from: "db") { owner, _, value in owner.take(value) }
        try signal.send(1, from: "db")
        try signal.send(2, from: "cache")
        #expect(observed.all == [1])
        listener = nil
        _ = listener
        #expect(signal.receiverCount == 0)
        try signal.send(3, from: "db")
        #expect(observed.all == [1])
    }
}
