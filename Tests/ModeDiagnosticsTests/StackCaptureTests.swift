import CModeSupport
import Foundation
import ModeDiagnostics
import Synchronization
import Testing

@inline(never)
func capturedWhileParkedInNamedFunction(_ thread: TestThread) {
    thread.waitForRelease()
}

final class SpinFlag: Sendable {
    let stop = Atomic<Bool>(false)
    let entered = Atomic<Bool>(false)
}

@inline(never)
func capturedWhileSpinningInNamedFunction(_ flag: SpinFlag) {
    var x: UInt64 = 1
    flag.entered.store(true, ordering: .releasing)
    while !flag.stop.load(ordering: .relaxed) { x = x &* 6364136223846793005 &+ 1 }
    if x == 42 { print(x) }
}

@Suite("StackCapture")
struct StackCaptureTests {
    init() throws { try StackCapture.install() }

    @Test("a thread parked in a named function shows that function, demangled, with file:line")
    func parkedThread() throws {
        let thread = TestThread(name: "test-parked") { capturedWhileParkedInNamedFunction($0) }
        defer { thread.release() }
        #expect(thread.waitUntilSleeping())
        let stack = try StackCapture.capture(threadID: thread.tid, timeout: .seconds(5))
        #expect(stack.unwinder == .libunwindRemote)  // blocked in read(2): read without a signal
        #expect(stack.firstFrameIsExactPC)
        let frames = Symbolicator.shared.symbolicate(stack)
        let frame = try #require(frames.first { $0.symbol?.contains("capturedWhileParkedInNamedFunction") == true })
        #expect(frame.file?.hasSuffix("StackCaptureTests.swift") == true)
        #expect((frame.line ?? 0) > 0)
        #expect(frame.module != nil && frame.moduleOffset != nil)
        #expect(frames.allSatisfy { $0.module == nil || $0.moduleOffset != nil })
    }

    @Test("a spinning thread is captured in its loop")
    func spinningThread() throws {
        let flag = SpinFlag()
        let thread = TestThread(name: "test-spinner") { _ in capturedWhileSpinningInNamedFunction(flag) }
        defer { flag.stop.store(true, ordering: .relaxed) }
        let deadline = ContinuousClock.now + .seconds(30)
        while !flag.entered.load(ordering: .acquiring) && ContinuousClock.now < deadline { sched_yield() }
        let stack = try StackCapture.capture(threadID: thread.tid, timeout: .seconds(5))
        let symbols = Symbolicator.shared.symbolicate(stack).compactMap(\.symbol)
        #expect(symbols.contains { $0.contains("capturedWhileSpinningInNamedFunction") }, "\(symbols)")
    }

    @Test("a thread id that is not ours fails with noSuchThread")
    func noSuchThread() {
        // tid 1 is init's thread: it exists, but not in this thread group.
        #expect {
            try StackCapture.capture(threadID: 1)
        } throws: { error in
            (error as? StackCaptureError)?.code == .noSuchThread
        }
    }

    @Test("capturing the calling thread starts at the caller")
    func currentThread() {
        let stack = StackCapture.captureCurrentThread()
        let frames = Symbolicator.shared.symbolicate(stack)
        #expect(!stack.firstFrameIsExactPC)
        #expect(frames.first?.symbol?.contains("currentThread") == true, "\(frames.prefix(3).map(\.symbol))")
        let viaTID = try? StackCapture.capture(threadID: ThreadInventory.currentThreadID())
        #expect(viaTID?.addresses.isEmpty == false)
    }

    @Test("a late handler of an abandoned request does not touch a newer capture (generation counter)")
    func generationCounter() throws {
        // Thread A blocks SIGPROF and keeps running (a blocked thread would be read without a signal), so its
        // request times out with the signal left pending.
        let unblock = SpinFlag()
        let unblocked = DispatchSemaphore(value: 0)
        let finish = DispatchSemaphore(value: 0)
        let blocker = TestThread(name: "test-blocker") { _ in
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGPROF)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            unblock.entered.store(true, ordering: .releasing)
            while !unblock.stop.load(ordering: .acquiring) { sched_yield() }
            pthread_sigmask(SIG_UNBLOCK, &set, nil)  // the stale handler runs here
            unblocked.signal()
            finish.wait()
        }
        while !unblock.entered.load(ordering: .acquiring) { sched_yield() }
        let parked = TestThread(name: "test-parked-2") { capturedWhileParkedInNamedFunction($0) }
        defer { parked.release() }
        #expect(parked.waitUntilSleeping())
        #expect(throws: StackCaptureError.self) {
            try StackCapture.capture(threadID: blocker.tid, timeout: .milliseconds(50))
        }
        let staleBefore = StackCapture.staleSignalCount
        unblock.stop.store(true, ordering: .releasing)
        unblocked.wait()
        #expect(StackCapture.staleSignalCount == staleBefore + 1)
        let stack = try StackCapture.capture(threadID: parked.tid, timeout: .seconds(5))
        let symbols = Symbolicator.shared.symbolicate(stack).compactMap(\.symbol)
        #expect(symbols.contains { $0.contains("capturedWhileParkedInNamedFunction") })
        finish.signal()
    }

    @Test("alternate signal stacks: idempotent for the current thread, armed for other threads")
    func alternateStacks() throws {
        let thread = TestThread(name: "test-altstack") { $0.waitForRelease() }
        defer { thread.release() }
        #expect(c_mode_altstack_install_thread(thread.tid, 5_000_000_000) == 0)
        AlternateSignalStack.installForCurrentThread()
        AlternateSignalStack.installForCurrentThread()
        #expect(AlternateSignalStack.isInstalledForCurrentThread)
    }
}
