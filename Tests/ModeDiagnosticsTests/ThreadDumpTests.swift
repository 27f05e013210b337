import Foundation
import ModeDiagnostics
import Testing

@inline(never)
func dumpedWhileParkedInNamedFunction(_ thread: TestThread) {
    thread.waitForRelease()
}

@Suite("ThreadInventory and ThreadDump")
struct ThreadDumpTests {
    @Test("the inventory lists named threads with their state")
    func inventory() {
        let thread = TestThread(name: "inv-named") { $0.waitForRelease() }
        defer { thread.release() }
        #expect(thread.waitUntilSleeping())
        let listed = ThreadInventory.list()
        let info = listed.first { $0.tid == thread.tid }
        #expect(info?.name == "inv-named")
        #expect(info?.state == "S")
        #expect(listed.contains { $0.tid == ThreadInventory.currentThreadID() })
        #expect(ThreadInventory.info(threadID: 1) == nil)
    }

    @Test("an in-process dump includes named threads, their frames, and round-trips through JSON")
    func dumpInProcess() throws {
        let thread = TestThread(name: "dump-parked") { dumpedWhileParkedInNamedFunction($0) }
        defer { thread.release() }
        #expect(thread.waitUntilSleeping())
        var dump = ThreadDump.capture(reason: "test")
        dump.sections.append(ThreadDump.Section(title: "extra", lines: ["one", "two"]))
        let entry = try #require(dump.threads.first { $0.info.tid == thread.tid })
        #expect(entry.info.name == "dump-parked")
        #expect(entry.frames.contains { $0.symbol?.contains("dumpedWhileParkedInNamedFunction") == true })
        #expect(dump.threads.contains { $0.isCurrent })
        let text = dump.render()
        #expect(text.contains("--- thread \(thread.tid) \"dump-parked\""))
        #expect(text.contains("--- extra"))
        let decoded = try JSONDecoder().decode(ThreadDump.self, from: Data(dump.renderJSON().utf8))
        #expect(decoded == dump)
    }

    @Test("SIGUSR1 dumps the threads of a running process, which then exits 0")
    func sigusr1Dump() throws {
        let log = ChildProcess.temporaryFile("dump")
        let child = try ChildProcess(["dump", log])
        let ready = ChildProcess.waitForFile(log) { $0.contains("READY") }
        #expect(ready.contains("READY pid=\(child.pid)"))
        kill(child.pid, SIGUSR1)
        let exit = child.wait()
        #expect(exit.status == 0, "\(exit)")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("=== swift-mode thread dump end ==="))
        #expect(text.contains("\"blocked-thread\""))
        #expect(text.contains("fixtureBlockedInNamedFunction"))
        #expect(text.contains("\"mode-dumper\""))
        #expect(text.contains("--- fixture tasks"))
        #expect(text.hasSuffix("EXITING\n"))
    }
}
