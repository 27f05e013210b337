import CModeSupport
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
        let seen = Mutex<(tid: Int32, task: UInt)?>(nil)
        let release = Mutex(false)
        let blocked = Task.detached {
            c_mode_note_current_thread()
            let own = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
            seen.withLock { $0 = (c_mode_gettid(), own) }
            var waited = 0
            while !release.withLock({ $0 }) && waited < 60_000 {
                usleep(1_000)
                waited += 1
            }
        }
        var observed: (tid: Int32, task: UInt)?
        for _ in 0..<10_000 where observed == nil {
            observed = seen.withLock { $0 }
            if observed == nil { try await Task.sleep(for: .milliseconds(1)) }
        }
        let (tid, task) = try #require(observed)
        // Between two sleeps the thread is not in a system call (the read then gives nil): ask until it is.
        var read: UInt?
        for _ in 0..<1_000 where read == nil {
            read = CurrentTaskReader.currentTask(ofThread: tid)
            if read == nil { try await Task.sleep(for: .milliseconds(1)) }
        }
        release.withLock { $0 = true }
        await blocked.value
        #expect(read == task)
    }

    @Test("a thread never noted, or no thread at all, reads as unknown")
    func unknownThreads() {
        #expect(CurrentTaskReader.currentTask(ofThread: Int32.max - 7) == nil)
    }
}
