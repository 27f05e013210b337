#if canImport(Glibc)
import Glibc
#endif

/// A multi-producer, multi-consumer FIFO of jobs with blocking take, for ``InstrumentedTaskExecutor``.
///
/// A pthread mutex + condition variable (Synchronization.Mutex has no condition variable). Consumers that find
/// the queue empty sleep on the condition; producers signal only when someone sleeps, so a busy executor makes
/// no futex calls.
final class JobQueue: @unchecked Sendable {
    // Safety of @unchecked Sendable: every stored property except the two pthread objects is read and written
    // only while `mutex` is held; the pthread objects are allocated once in init, never moved, destroyed in
    // deinit (when no thread can use the queue any more: the executor joins its threads before releasing it).
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var buffer: [UnownedJob?]
    private var head = 0
    private var count = 0
    private var sleepers = 0
    private var closed = false

    init(initialCapacity: Int = 1024) {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        buffer = Array(repeating: nil, count: initialCapacity)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Appends a job; wakes one sleeping consumer if any and `wake` is true. Returns false when the queue is
    /// closed.
    @discardableResult
    func push(_ job: UnownedJob, wake: Bool = true) -> Bool {
        pthread_mutex_lock(mutex)
        if closed {
            pthread_mutex_unlock(mutex)
            return false
        }
        if count == buffer.count { grow() }
        buffer[(head + count) % buffer.count] = job
        count += 1
        let signal = wake && sleepers > 0
        pthread_mutex_unlock(mutex)
        if signal { pthread_cond_signal(condition) }
        return true
    }

    /// Takes the oldest job, sleeping while the queue is empty. Returns nil once the queue is closed and drained.
    func take() -> UnownedJob? {
        pthread_mutex_lock(mutex)
        while count == 0 && !closed {
            sleepers += 1
            pthread_cond_wait(condition, mutex)
            sleepers -= 1
        }
        guard count > 0 else {
            pthread_mutex_unlock(mutex)
            return nil
        }
        let job = buffer[head]
        buffer[head] = nil
        head = (head + 1) % buffer.count
        count -= 1
        pthread_mutex_unlock(mutex)
        return job
    }

    /// Stops accepting jobs and wakes every consumer; queued jobs are still handed out.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(condition)
    }

    private func grow() {
        var grown = [UnownedJob?](repeating: nil, count: buffer.count * 2)
        for index in 0..<count { grown[index] = buffer[(head + index) % buffer.count] }
        buffer = grown
        head = 0
    }
}
