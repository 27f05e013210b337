@testable import ModeCore
import ModeTestKit
import Synchronization
import Testing

@Suite("The supervisor's crash queue")
struct CrashQueueTests {
    struct Boom: Error { let id: Int }

    final class Plain: Service {
        let lifecycle = ServiceLifecycleState()
    }

    static func event(_ id: Int) -> Supervisor.CrashEvent {
        Supervisor.CrashEvent(service: Plain(), reason: Boom(id: id))
    }

    static func id(_ take: CrashQueue.Take) -> Int? {
        guard case .event(let event) = take else { return nil }
        return (event.reason as? Boom)?.id
    }

    @Test("a closed queue refuses crashes; an open one hands them out oldest first, then says empty")
    func order() {
        var closed = CrashQueue()
        let refused = closed.offer(Self.event(0))
        #expect(refused.accepted == false)
        guard case .closed = closed.take() else { Issue.record("a closed, empty queue must say closed"); return }

        var queue = CrashQueue(isOpen: true)
        for id in 1...3 {
            let offered = queue.offer(Self.event(id))
            #expect(offered.accepted)
        }
        let taken = [queue.take(), queue.take(), queue.take()]
        #expect(taken.map(Self.id) == [1, 2, 3])
        guard case .empty = queue.take() else { Issue.record("an open, drained queue must say empty"); return }
        // Reused after draining: still in order.
        _ = queue.offer(Self.event(4))
        _ = queue.offer(Self.event(5))
        let again = [queue.take(), queue.take()]
        #expect(again.map(Self.id) == [4, 5])
    }

    @Test("queued crashes are still taken after close, then the queue says closed; one consumer per run")
    func closeAndClaim() {
        var queue = CrashQueue(isOpen: true)
        let first = queue.claim()
        let second = queue.claim()
        #expect(first && !second)
        _ = queue.offer(Self.event(7))
        let waiter = queue.close()
        #expect(waiter == nil)
        let queued = queue.take()
        #expect(Self.id(queued) == 7)
        guard case .closed = queue.take() else { Issue.record("drained after close must say closed"); return }
        let afterClose = queue.claim()
        #expect(!afterClose)
    }

    @Test("a waiting consumer gets the next crash directly, and nil when the supervisor stops")
    func waiter() async {
        let supervisor = Supervisor(policy: SupervisionPolicy(strategy: .oneForOne))
        supervisor.state.withLock { $0.crashes = CrashQueue(isOpen: true) }
        let received = Task<Supervisor.CrashEvent?, Never> {
            await withCheckedContinuation { continuation in
                supervisor.state.withLock { $0.crashes.waiter = continuation }
            }
        }
        // Wait until the consumer is parked (by event: the waiter is set), then offer.
        while supervisor.state.withLock({ $0.crashes.waiter == nil }) { await Task.yield() }
        let (accepted, waiter) = supervisor.state.withLock { $0.crashes.offer(Self.event(9)) }
        #expect(accepted && waiter != nil)
        waiter?.resume(returning: Self.event(9))
        #expect((await received.value?.reason as? Boom)?.id == 9)

        let stopped = Task<Supervisor.CrashEvent?, Never> {
            await withCheckedContinuation { continuation in
                supervisor.state.withLock { $0.crashes.waiter = continuation }
            }
        }
        while supervisor.state.withLock({ $0.crashes.waiter == nil }) { await Task.yield() }
        supervisor.state.withLock { $0.crashes.close() }?.resume(returning: nil)
        #expect(await stopped.value == nil)
    }
}
