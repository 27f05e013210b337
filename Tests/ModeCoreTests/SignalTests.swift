import ModeCore
import Synchronization
import Testing

/// Records calls in order, thread-safely.
private final class CallLog: Sendable {
    private let calls = Mutex<[String]>([])
    var entries: [String] { calls.withLock { $0 } }
    func append(_ entry: String) { calls.withLock { $0.append(entry) } }
}

private final class Owner: Sendable, CustomStringConvertible {
    let name: String
    init(_ name: String) { self.name = name }
    var description: String { name }
}

private struct ReceiverFailed: Error, Equatable { let receiver: String }

@Suite("Signal")
struct SignalTests {
    @Test func receiversRunInConnectionOrder() async throws {
        let log = CallLog()
        let signal = Signal<String, Int>(name: "changed")
        for name in ["c", "a", "b", "z", "m"] {
            signal.connect { sender, value in log.append("\(name):\(sender):\(value)") }
        }
        try await signal.send(1, from: "s")
        #expect(log.entries == ["c:s:1", "a:s:1", "b:s:1", "z:s:1", "m:s:1"])
    }

    @Test func connectAndDisconnectAreIdempotent() async throws {
        let log = CallLog()
        let signal = Signal<String, Int>()
        let id = SignalReceiverID("metrics")
        signal.connect(id: id) { _, value in log.append("first \(value)") }
        signal.connect(id: id) { _, value in log.append("second \(value)") }
        #expect(signal.receiverCount == 1)
        try await signal.send(1, from: "x")
        signal.disconnect(id)
        signal.disconnect(id)
        signal.disconnect(SignalReceiverID())
        #expect(!signal.isConnected(id))
        try await signal.send(2, from: "x")
        #expect(log.entries == ["first 1"])
    }

    @Test func senderFiltersByIdentityValueAndPredicate() async throws {
        let log = CallLog()
        let first = Owner("first")
        let twin = Owner("first")  // equal name, different object
        let objects = Signal<Owner, Int>()
        objects.connect(from: first) { sender, value in log.append("only-first \(sender) \(value)") }
        objects.connect { sender, value in log.append("all \(sender) \(value)") }
        try await objects.send(1, from: first)
        try await objects.send(2, from: twin)
        #expect(log.entries == ["only-first first 1", "all first 1", "all first 2"])

        let values = CallLog()
        let names = Signal<String, Int>()
        names.connect(from: "db") { sender, _ in values.append("exact \(sender)") }
        names.connect(where: { $0.hasPrefix("d") }) { sender, _ in values.append("prefix \(sender)") }
        try await names.send(0, from: "db")
        try await names.send(0, from: "dns")
        try await names.send(0, from: "web")
        #expect(values.entries == ["exact db", "prefix db", "prefix dns"])
    }

    @Test func defaultSenderSharesReceiversAndFilters() async throws {
        let log = CallLog()
        let shared = Signal<Owner, String>(name: "Owner.ready")
        let alice = Owner("alice")
        let bob = Owner("bob")
        let aliceSignal = shared.withDefaultSender(alice)
        let bobSignal = shared.withDefaultSender(bob)
        shared.connect { sender, value in log.append("global \(sender) \(value)") }
        aliceSignal.connect { sender, value in log.append("alice-only \(sender) \(value)") }
        #expect(bobSignal.receiverCount == 2)
        try await aliceSignal.send("up")
        try await bobSignal.send("up")
        #expect(log.entries == ["global alice up", "alice-only alice up", "global bob up"])
        #expect(aliceSignal.description == "<Signal: Owner.ready sender=alice>")
        #expect(SyncSignal<String, Int>(name: "hits", defaultSender: "cache").description == "<SyncSignal: hits sender=cache>")
    }

    @Test func firstReceiverErrorStopsTheSend() async {
        let log = CallLog()
        let signal = Signal<String, Int>()
        signal.connect { _, _ in log.append("one") }
        signal.connect { _, _ in throw ReceiverFailed(receiver: "two") }
        signal.connect { _, _ in log.append("three") }
        await #expect(throws: ReceiverFailed(receiver: "two")) { try await signal.send(1, from: "x") }
        #expect(log.entries == ["one"])
    }

    @Test func sendWithoutDefaultSenderFails() async {
        let signal = Signal<Owner, Void>(name: "ready")
        await #expect(throws: SignalError.self) { try await signal.send() }
    }

    @Test func concurrentConnectsAreAllKept() async throws {
        let signal = Signal<String, Int>()
        let total = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask { signal.connect { _, value in total.add(value) } }
            }
        }
        #expect(signal.receiverCount == 200)
        try await signal.send(1, from: "x")
        #expect(total.value == 200)
    }
}

@Suite("SyncSignal")
struct SyncSignalTests {
    @Test func orderFiltersAndErrors() throws {
        let log = CallLog()
        let signal = SyncSignal<String, Int>(name: "tick")
        signal.connect { sender, value in log.append("a \(sender) \(value)") }
        signal.connect(from: "web") { sender, value in log.append("b \(sender) \(value)") }
        let failing = signal.connect { _, value in if value < 0 { throw ReceiverFailed(receiver: "c") } }
        signal.connect { sender, value in log.append("d \(sender) \(value)") }
        try signal.send(1, from: "web")
        try signal.send(2, from: "db")
        #expect(throws: ReceiverFailed(receiver: "c")) { try signal.send(-1, from: "db") }
        signal.disconnect(failing)
        try signal.withDefaultSender("db").send(3)
        #expect(log.entries == ["a web 1", "b web 1", "d web 1", "a db 2", "d db 2", "a db -1", "a db 3", "d db 3"])
        #expect(throws: SignalError.self) { try signal.send(4) }
    }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add(_ amount: Int) { count.withLock { $0 += amount } }
}
