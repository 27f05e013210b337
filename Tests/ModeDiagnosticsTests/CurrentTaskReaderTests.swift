import CModeSupport
import Dispatch
import ModeThreads
import Synchronization
import Testing

@testable import ModeDiagnostics

#if canImport(Glibc)
import Glibc
#endif

/// The task a blocked thread runs, read from its copy of the runtime's thread-local (no signal, no job needed).
@Suite("CurrentTaskReader", .serialized)
struct CurrentTaskReaderTests {
    @Test("the self-check proves the read on this runtime")
    func selfCheckPasses() async {
        #expect(await CurrentTaskReader.selfCheck() == nil)
        // Swift 6.3 keeps the running task in ActiveTask::Value, 8 bytes into libswift_Concurrency's TLS block.
        #expect(c_mode_current_task_slot_offset() == 8)
    }

    @Test("a task blocked in the kernel on a thread of the pool is read by that thread's tid, and its task-local with it")
    func blockedTaskIsReadByTid() async throws {
        try #require(await CurrentTaskReader.selfCheck() == nil)
        // Everything but the blocked task runs on plain threads: on a loaded 2-core machine the pool may be
        // held by other suites for a minute, and a read loop waiting for it would outlive the blocked task.
        let seen = Mutex<(tid: Int32, task: UInt)?>(nil)
        let read = Mutex<UInt?>(nil)
        let release = Mutex(false)
        let started = DispatchSemaphore(value: 0)
        let blocked = Task.detached {
            c_mode_note_current_thread()
            let own = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
            seen.withLock { $0 = (c_mode_gettid(), own) }
            started.signal()
            // Blocks until the reader is done (bounded only against a broken test: 10 minutes).
            var waited = 0
            while !release.withLock({ $0 }) && waited < 600_000 {
                usleep(1_000)
                waited += 1
            }
        }
        let reader = try OwnedThread.start(name: "ctr-test-reader") {
            started.wait()
            let tid = seen.withLock { $0!.tid }
            // Between two sleeps the thread is not in a system call (the read then gives nil): ask until it is.
            let deadline = ContinuousClock.now + .seconds(60)
            while read.withLock({ $0 }) == nil && ContinuousClock.now < deadline {
                if let value = CurrentTaskReader.currentTask(ofThread: tid) {
                    read.withLock { $0 = value }
                } else {
                    usleep(1_000)
                }
            }
            release.withLock { $0 = true }
        }
        await blocked.value
        reader.join()
        let task = try #require(seen.withLock { $0 }).task
        let value = read.withLock { $0 }
        #expect(value == task)
    }

    @Test("a thread never noted, or no thread at all, reads as unknown")
    func unknownThreads() {
        #expect(CurrentTaskReader.currentTask(ofThread: Int32.max - 7) == nil)
    }
}
