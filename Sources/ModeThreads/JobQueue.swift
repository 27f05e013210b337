#if canImport(Glibc)
import Glibc
#endif

/// A multi-producer, multi-consumer FIFO with blocking take and close-then-drain: the queue behind swift-mode's
/// executors (`InstrumentedTaskExecutor`'s N threads, `DedicatedThreadExecutor`'s one).
///
/// A pthread mutex + condition variable (`Synchronization.Mutex` has no condition variable). Consumers that find
/// the queue empty sleep on the condition; producers signal only when someone sleeps, so a busy executor makes
/// no futex calls.
///
/// The queue knows how many consumers it has. ``close()`` stops refusable pushes; consumers drain what is queued,
/// then ``take()`` returns `nil` and the consumer leaves. An item that must not be dropped (a job: a task left
/// unscheduled would hang forever) can still be pushed after close; when every consumer has left, the push says
/// so and counts the caller's new consumer.
///
/// ```swift
/// let queue = JobQueue<UnownedJob>(consumers: 1)
/// // producer:
/// if queue.push(job) == .refused { runElsewhere(job) }
/// // consumer thread:
/// while let job = queue.take() { run(job) }
/// ```
package final class JobQueue<Item: Sendable>: @unchecked Sendable {
    // The hot path (push, take) is exported pre-specialized for `UnownedJob` (the executors' item), with the
    // storage private to this module so that its exclusivity is checked statically: measured, a generic
    // push/take called across modules (value witnesses, metadata lookups, dynamic exclusivity checks) halved
    // InstrumentedTaskExecutor's yield throughput.
    // Safety of @unchecked Sendable: every stored property except the two pthread objects is read and written
    // only while `mutex` is held; the pthread objects are allocated once in init, never moved, destroyed in
    // deinit (when no thread can use the queue any more: its owners join their threads before releasing it).

    /// What a push does once the queue is closed.
    package enum WhenClosed: Sendable {
        /// Refuse the item (``PushResult/refused``).
        case refuse
        /// Queue it anyway: a remaining consumer drains it, or the caller starts one.
        case queue
    }

    package enum PushResult: Equatable, Sendable {
        case queued
        /// The queue is closed and the item was not taken.
        case refused
        /// Queued after close with no consumer left: the caller must start one (already counted).
        case queuedNeedsConsumer
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var buffer: [Item?]
    private var head = 0
    private var count = 0
    private var sleepers = 0
    private var consumers: Int
    private var closed = false

    /// A queue that `consumers` threads will take from.
    package init(consumers: Int, initialCapacity: Int = 1024) {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        buffer = Array(repeating: nil, count: max(1, initialCapacity))
        self.consumers = consumers
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Appends an item; wakes one sleeping consumer if any and `wake` is true (a consumer pushing to itself
    /// passes false: it takes the item when its current one returns).
    @discardableResult
    @_specialize(exported: true, where Item == UnownedJob)
    package func push(_ item: Item, wake: Bool = true, whenClosed: WhenClosed = .refuse) -> PushResult {
        pthread_mutex_lock(mutex)
        var result = PushResult.queued
        if closed {
            if whenClosed == .refuse {
                pthread_mutex_unlock(mutex)
                return .refused
            }
            if consumers == 0 {
                consumers = 1
                result = .queuedNeedsConsumer
            }
        }
        if count == buffer.count { grow() }
        buffer[(head + count) % buffer.count] = item
        count += 1
        let signal = wake && sleepers > 0
        pthread_mutex_unlock(mutex)
        if signal { pthread_cond_signal(condition) }
        return result
    }

    /// Takes the oldest item, sleeping while the queue is empty. Returns nil once the queue is closed and
    /// drained: the calling consumer has then left the queue.
    @_specialize(exported: true, where Item == UnownedJob)
    package func take() -> Item? {
        pthread_mutex_lock(mutex)
        while count == 0 && !closed {
            sleepers += 1
            pthread_cond_wait(condition, mutex)
            sleepers -= 1
        }
        guard count > 0 else {
            consumers -= 1
            pthread_mutex_unlock(mutex)
            return nil
        }
        let item = buffer[head]
        buffer[head] = nil
        head = (head + 1) % buffer.count
        count -= 1
        pthread_mutex_unlock(mutex)
        return item
    }

    /// Removes and returns the oldest queued item that `matches`, if any (an item not taken yet).
    package func withdraw(where matches: (Item) -> Bool) -> Item? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        for offset in 0..<count {
            let index = (head + offset) % buffer.count
            guard let item = buffer[index], matches(item) else { continue }
            // Close the gap: shift the later items one place towards the head.
            for later in offset..<(count - 1) {
                buffer[(head + later) % buffer.count] = buffer[(head + later + 1) % buffer.count]
            }
            buffer[(head + count - 1) % buffer.count] = nil
            count -= 1
            return item
        }
        return nil
    }

    /// Stops refusable pushes and wakes every consumer; queued items are still handed out.
    package func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(condition)
    }

    /// Whether ``close()`` was called.
    package var isClosed: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return closed
    }

    /// Items queued and not taken yet.
    package var pendingCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return count
    }

    private func grow() {
        var grown = [Item?](repeating: nil, count: buffer.count * 2)
        for index in 0..<count { grown[index] = buffer[(head + index) % buffer.count] }
        buffer = grown
        head = 0
    }
}
