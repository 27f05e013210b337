import Foundation
import ModeDiagnostics
import Synchronization
import Testing

@Suite("Thread names: inherited ones are marked")
struct ThreadNameTests {
    @Test("a plain Thread started by a named thread is listed with its creator's name, marked inherited")
    func inheritedName() throws {
        let childTID = Mutex<Int32>(0)
        let childStarted = DispatchSemaphore(value: 0)
        let releaseChild = DispatchSemaphore(value: 0)
        let parent = TestThread(name: "mode-inh-test") { me in
            Thread {
                childTID.withLock { $0 = ThreadInventory.currentThreadID() }
                childStarted.signal()
                releaseChild.wait()
            }.start()
            me.waitForRelease()
        }
        defer {
            releaseChild.signal()
            parent.release()
        }
        childStarted.wait()
        let child = try #require(ThreadInventory.info(threadID: childTID.withLock { $0 }))
        #expect(child.name == "mode-inh-test")
        #expect(child.nameIsInherited)
        #expect(child.displayName == "mode-inh-test (inherited name)")
        let creator = try #require(ThreadInventory.info(threadID: parent.tid))
        #expect(!creator.nameIsInherited)
        #expect(creator.displayName == "mode-inh-test")

        let dump = ThreadDump.capture(reason: "test", symbolicate: false).render()
        #expect(dump.contains("--- thread \(child.tid) \"mode-inh-test\" (inherited name) state:"), "\(dump.prefix(2000))")
        #expect(dump.contains("--- thread \(parent.tid) \"mode-inh-test\" state:"))
    }

    @Test("a stall report's headline marks a thread whose name is inherited")
    func stallHeadline() {
        let thread = ThreadInfo(tid: 4242, name: "mode-exec-1", state: "S", nameIsInherited: true)
        let report = StallReport(kind: .detected, reportID: 1, timestamp: "t", processID: 1, thread: thread,
                                 source: "thread", executor: "mode-exec", busyMilliseconds: 512,
                                 timeoutMilliseconds: 500, site: "s", unwinder: .libunwind, frames: [])
        #expect(report.headline == "Blocking detected: thread mode-exec-1 (inherited name) (tid 4242) busy for 512 ms "
                + "(timeout 500 ms)")
    }

    @Test("ThreadInfo decodes records written before nameIsInherited existed")
    func decodesOldRecords() throws {
        let info = try JSONDecoder().decode(ThreadInfo.self, from: Data(#"{"tid":1,"name":"a","state":"S"}"#.utf8))
        #expect(info == ThreadInfo(tid: 1, name: "a", state: "S"))
        let inherited = ThreadInfo(tid: 2, name: "mode-exec-1", state: "S", nameIsInherited: true)
        #expect(try JSONDecoder().decode(ThreadInfo.self, from: JSONEncoder().encode(inherited)) == inherited)
        #expect(!String(decoding: try JSONEncoder().encode(info), as: UTF8.self).contains("nameIsInherited"))
    }
}
