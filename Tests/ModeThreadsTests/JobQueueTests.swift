import Dispatch
import Foundation
import ModeThreads
import Synchronization
import Testing

@Suite("JobQueue: the queue behind every executor")
struct JobQueueTests {
    @Test func itemsComeOutInFIFOOrderAcrossWrapAroundAndGrowth() {
        let queue = JobQueue<Int>(consumers: 1, initialCapacity: 4)
        // Move the head so that the next pushes wrap around the ring, then grow it while wrapped.
        for value in 0..<3 { queue.push(value) }
        #expect(queue.take() == 0)
        #expect(queue.take() == 1)
        for value in 3..<12 { queue.push(value) }
        #expect(queue.pendingCount == 10)
        var taken: [Int] = []
        for _ in 0..<10 { taken.append(queue.take()!) }
        #expect(taken == Array(2..<12))
        #expect(queue.pendingCount == 0)
    }

    @Test func aClosedQueueRefusesRefusablePushesAndStillHandsOutWhatWasQueued() {
        let queue = JobQueue<Int>(consumers: 1)
        queue.push(1)
        queue.push(2)
        queue.close()
        #expect(queue.isClosed)
        #expect(queue.push(3) == .refused)
        #expect(queue.push(4, whenClosed: .queue) == .queued)  // the consumer has not left yet
        #expect(queue.take() == 1)
        #expect(queue.take() == 2)
        #expect(queue.take() == 4)
        #expect(queue.take() == nil)
    }

    @Test func anUnrefusablePushAfterEveryConsumerLeftAsksForOneConsumerOnly() {
        let queue = JobQueue<Int>(consumers: 1)
        queue.close()
        #expect(queue.take() == nil)  // the only consumer leaves
        #expect(queue.push(1, whenClosed: .queue) == .queuedNeedsConsumer)
        #expect(queue.push(2, whenClosed: .queue) == .queued)  // the new consumer is already counted
        #expect(queue.take() == 1)
        #expect(queue.take() == 2)
        #expect(queue.take() == nil)  // it leaves in turn
        #expect(queue.push(3, whenClosed: .queue) == .queuedNeedsConsumer)
        #expect(queue.push(4) == .refused)
    }

    @Test func withdrawRemovesTheFirstMatchAndKeepsTheOrderOfTheRest() {
        let queue = JobQueue<Int>(consumers: 1, initialCapacity: 4)
        queue.push(0)
        queue.push(1)
        #expect(queue.take() == 0)
        for value in 2..<5 { queue.push(value) }  // 1 2 3 4, wrapped in a ring of 4
        #expect(queue.withdraw { $0 % 2 == 0 } == 2)
        #expect(queue.withdraw { $0 > 10 } == nil)
        #expect(queue.pendingCount == 3)
        #expect([queue.take(), queue.take(), queue.take()] == [1, 3, 4])
    }

    @Test func aSleepingConsumerIsWokenByAPushAndByClose() throws {
        let queue = JobQueue<Int>(consumers: 2)
        let taken = Mutex<[Int?]>([])
        let done = DispatchSemaphore(value: 0)
        let consumers = try (0..<2).map { index in
            try OwnedThread.start(name: "jq-test-\(index)") {
                while true {
                    let item = queue.take()
                    taken.withLock { $0.append(item) }
                    if item == nil { break }
                }
                done.signal()
            }
        }
        queue.push(7)
        queue.close()
        for _ in 0..<2 { #expect(done.wait(timeout: .now() + 30) == .success) }
        for consumer in consumers { consumer.join() }
        let seen = taken.withLock { $0 }
        #expect(seen.compactMap { $0 } == [7])
        #expect(seen.filter { $0 == nil }.count == 2)
    }
}

@Suite("OwnedThread")
struct OwnedThreadTests {
    @Test func theThreadIsRunningNamedAndKnownByItsTidWhenStartReturns() throws {
        let seen = Mutex<Int32>(0)
        let release = DispatchSemaphore(value: 0)
        let thread = try OwnedThread.start(name: "owned-test") {
            seen.withLock { $0 = OwnedThread.currentThreadID }
            release.wait()
        }
        let name = try String(contentsOfFile: "/proc/self/task/\(thread.threadID)/comm", encoding: .utf8)
        #expect(name.trimmingCharacters(in: .whitespacesAndNewlines) == "owned-test")
        release.signal()
        thread.join()
        #expect(seen.withLock { $0 } == thread.threadID)
        #expect(!thread.isCurrent)
    }
}
