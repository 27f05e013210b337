import CModeSupport
import Synchronization
import Testing

@testable import ModeDiagnostics

/// The MainActor heartbeat names the thread draining the main queue now, not the one its last beat ran on.
@Suite("MainQueueOwner")
struct MainQueueOwnerTests {
    @Test("learnt from MainActor jobs, it names the thread running the main queue, and no other")
    func namesTheDrainingThread() async throws {
        for _ in 0...MainQueueOwner.confirmationsNeeded {
            await MainActor.run { MainQueueOwner.observeFromMainQueue() }
        }
        #expect(MainQueueOwner.unavailableReason == nil, "\(MainQueueOwner.unavailableReason ?? "")")
        let (owner, tid) = await MainActor.run { (MainQueueOwner.threadID, c_mode_gettid()) }
        #expect(owner == tid)
        // From a thread that is not draining the main queue: never that thread.
        let here = c_mode_gettid()
        #expect(MainQueueOwner.threadID != here)
    }

    @Test("a heartbeat names the executor's current thread while a beat is outstanding, else its last beat's")
    func heartbeatUsesTheCurrentThread() {
        let monitor = HeartbeatMonitor()
        let held = ManualSubmit()
        monitor.register(name: "moving", currentThread: { 4242 }) { held.append($0) }
        #expect(monitor.statuses().first?.threadID == 0, "no beat sent yet: nothing known")
        monitor.sendBeats()
        #expect(monitor.statuses().first?.threadID == 4242, "outstanding: the executor's current thread")
        held.runAll()
        #expect(monitor.statuses().first?.threadID == c_mode_gettid(), "answered: the thread the beat ran on")
    }
}

/// Holds submitted beats until the test runs them on its own thread.
private final class ManualSubmit: Sendable {
    private struct Beats { var pending: [@Sendable () -> Void] = [] }
    private let beats = Mutex(Beats())
    func append(_ beat: @escaping @Sendable () -> Void) { beats.withLock { $0.pending.append(beat) } }
    func runAll() {
        let pending = beats.withLock { beats in defer { beats.pending = [] }; return beats.pending }
        for beat in pending { beat() }
    }
}
