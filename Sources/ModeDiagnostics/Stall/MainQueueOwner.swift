import CModeSupport
import Synchronization

/// The thread draining libdispatch's main queue right now, where MainActor jobs run: once `dispatch_main`
/// (what an `async` `@main` does on Linux) gave the main thread away, the main queue is drained by changing
/// libdispatch worker threads, so the thread of the MainActor heartbeat's last beat is not necessarily the one
/// a stuck MainActor job holds.
///
/// The queue's drain lock holds its owner's tid. Its place in the queue is libdispatch's private layout, so it
/// is learnt at run time: each MainActor heartbeat (a job that certainly runs on the main queue) looks for its
/// own tid in the queue's first words, then confirms the place on later beats; it is used once three beats
/// agree, and never again after one disagrees (``threadID`` stays `nil`: the report falls back to the last beat's
/// thread). Process-wide because the main queue is.
///
/// ```swift
/// monitor.register(name: "main-actor", currentThread: { MainQueueOwner.threadID }) { beat in
///     Task { @MainActor in MainQueueOwner.observeFromMainQueue(); beat() }
/// }
/// ```
package enum MainQueueOwner {
    private struct Calibration {
        var word: Int32?
        var confirmations = 0
        var failure: String?
    }

    private static let calibration = Mutex(Calibration())
    /// Beats that must agree before the owner word is used.
    static let confirmationsNeeded = 3

    /// Learns or confirms where the main queue keeps its owner. Call it only from a job on the main queue.
    package static func observeFromMainQueue() {
        calibration.withLock { state in
            guard state.failure == nil else { return }
            guard let word = state.word else {
                let found = c_mode_main_queue_find_owner_word()
                if found >= 0 {
                    state.word = found
                    c_mode_main_queue_set_owner_word(found)
                } else {
                    state.failure = found == -1 ? "libdispatch's main queue not found" : "no single owner word"
                }
                return
            }
            if c_mode_main_queue_owner() == c_mode_gettid() {
                state.confirmations += 1
            } else {
                state.failure = "the owner word \(word) disagreed with the draining thread"
                c_mode_main_queue_set_owner_word(-1)
            }
        }
    }

    /// The tid of the thread draining the main queue now, once the owner word is confirmed; `nil` when unknown
    /// or when no thread drains it.
    package static var threadID: Int32? {
        let confirmed = calibration.withLock { $0.failure == nil && $0.confirmations >= confirmationsNeeded }
        guard confirmed else { return nil }
        let owner = c_mode_main_queue_owner()
        return owner > 0 ? owner : nil
    }

    /// Why the owner is not used, if it is not (for diagnostics and tests).
    package static var unavailableReason: String? {
        calibration.withLock { state in
            if let failure = state.failure { return failure }
            return state.confirmations >= confirmationsNeeded ? nil : "not confirmed yet (\(state.confirmations) beats)"
        }
    }
}
