import Testing

@testable import ModeConsole

/// The pure scheduling machine behind the console: lanes, single flight, abandonment.
@Suite("Console work queue")
struct ConsoleWorkQueueTests {
    typealias Queue = ConsoleWorkQueue<String>

    private func started(_ actions: [Queue.Action]) -> [String] {
        actions.compactMap { if case .start(_, _, let payload) = $0 { payload } else { nil } }
    }

    private func job(_ actions: [Queue.Action]) -> Queue.JobID? {
        actions.lazy.compactMap { if case .start(let id, _, _) = $0 { id } else { nil } }.first
    }

    @Test func expensiveRequestsShareOneRunAndEveryRequesterGetsTheAnswer() throws {
        var queue = Queue(limits: [.ordinary: 2, .expensive: 1])
        let first = queue.submit(1, lane: .expensive, key: "text stacks", payload: "stacks")
        let id = try #require(job(first))
        for ticket in 2...100 {
            #expect(queue.submit(ticket, lane: .expensive, key: "text stacks", payload: "st").isEmpty)
        }
        #expect(queue.runningCount(.expensive) == 1)
        let finished = queue.finish(id)
        guard case .deliver(let delivered, let tickets) = try #require(finished.first) else {
            Issue.record("expected a delivery, got \(finished)")
            return
        }
        #expect(delivered == id)
        #expect(tickets == Array(1...100))
        #expect(queue.pendingTickets == 0)
        // The next request after the run finished starts a fresh run.
        #expect(started(queue.submit(101, lane: .expensive, key: "text stacks", payload: "stacks")) == ["stacks"])
    }

    @Test func anOrdinaryCommandDoesNotQueueBehindExpensiveOnes() {
        var queue = Queue(limits: [.ordinary: 2, .expensive: 1])
        #expect(started(queue.submit(1, lane: .expensive, key: "text stacks", payload: "stacks")) == ["stacks"])
        #expect(started(queue.submit(2, lane: .expensive, key: "text where 7", payload: "where 7")).isEmpty)
        #expect(started(queue.submit(3, lane: .expensive, key: "json stacks", payload: "json stacks")).isEmpty)
        #expect(queue.queuedCount(.expensive) == 2)
        #expect(started(queue.submit(4, lane: .ordinary, key: nil, payload: "ps")) == ["ps"])
        #expect(started(queue.submit(5, lane: .ordinary, key: nil, payload: "services")) == ["services"])
        #expect(started(queue.submit(6, lane: .ordinary, key: nil, payload: "ps")).isEmpty)  // 2 threads busy
        #expect(queue.runningCount(.ordinary) == 2)
        #expect(queue.runningCount(.expensive) == 1)
    }

    @Test func aRequestWhoseClientLeftBeforeItStartedNeverStarts() throws {
        var queue = Queue(limits: [.ordinary: 1, .expensive: 1])
        let running = try #require(job(queue.submit(1, lane: .ordinary, key: nil, payload: "slow")))
        #expect(queue.submit(2, lane: .ordinary, key: nil, payload: "gone").isEmpty)
        #expect(queue.submit(3, lane: .ordinary, key: nil, payload: "stays").isEmpty)
        #expect(queue.abandon(2).isEmpty)
        #expect(queue.queuedCount(.ordinary) == 1)
        let next = queue.finish(running)
        #expect(started(next) == ["stays"])  // "gone" was dropped
    }

    @Test func aSharedRunGoesOnForThoseStillWaitingAndIsCancelledWhenAllHaveGone() throws {
        var queue = Queue(limits: [.ordinary: 1, .expensive: 1])
        let id = try #require(job(queue.submit(1, lane: .expensive, key: "k", payload: "stacks")))
        #expect(queue.submit(2, lane: .expensive, key: "k", payload: "stacks").isEmpty)
        #expect(queue.abandon(1).isEmpty)  // ticket 2 still waits
        let cancel = queue.abandon(2)
        guard case .cancel(let cancelled) = try #require(cancel.first) else {
            Issue.record("expected a cancel, got \(cancel)")
            return
        }
        #expect(cancelled == id)
        // A cancelled run is not joined: a new request queues a fresh one, which starts once the lane is free.
        #expect(queue.submit(3, lane: .expensive, key: "k", payload: "stacks again").isEmpty)
        #expect(queue.runningCount(.expensive) == 1)
        let after = queue.finish(id)
        guard case .deliver(_, let tickets) = try #require(after.first) else {
            Issue.record("expected a delivery, got \(after)")
            return
        }
        #expect(tickets.isEmpty)
        #expect(started(after) == ["stacks again"])
    }

    @Test func aQueuedSharedRunLeftByEveryoneIsDropped() throws {
        var queue = Queue(limits: [.ordinary: 1, .expensive: 1])
        let first = try #require(job(queue.submit(1, lane: .expensive, key: "a", payload: "stacks")))
        #expect(queue.submit(2, lane: .expensive, key: "b", payload: "where 1").isEmpty)
        #expect(queue.submit(3, lane: .expensive, key: "b", payload: "where 1").isEmpty)
        #expect(queue.abandon(2).isEmpty)
        #expect(queue.abandon(3).isEmpty)
        #expect(queue.queuedCount(.expensive) == 0)
        #expect(started(queue.finish(first)).isEmpty)
        #expect(queue.runningCount(.expensive) == 0)
        #expect(queue.pendingTickets == 0)
    }
}
