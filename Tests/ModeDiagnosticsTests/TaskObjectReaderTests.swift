import CModeSupport
import Foundation
import ModeDiagnostics
import Synchronization
import Testing

/// The task-local these tests bind (of the type of swift-mode's task id).
private enum ReaderScope {
    @TaskLocal static var id: UInt64?
}

/// The task-local of the race test alone: a task of another test that reuses a freed task's memory binds
/// ``ReaderScope`` only.
private enum RaceScope {
    @TaskLocal static var id: UInt64?
}

/// A task that blocks in `usleep` until a reader thread, not of the cooperative pool (so that no test waits
/// for a pool thread while another test's blocked task holds it), has read it by address.
private final class BlockedTask: Sendable {
    private struct Observed {
        var address: UInt = 0
        var tid: Int32 = 0
        var reading: TaskObjectReader.Reading?
        var readerTid: Int32 = 0
    }

    private let published = DispatchSemaphore(value: 0)
    private let released = Atomic<Bool>(false)
    private let observed = Mutex(Observed())

    /// Starts the reader thread: it waits for the task to block, reads it, then releases it.
    func startReader() -> TestThread {
        TestThread(name: "object-reader") { [self] _ in
            published.wait()
            let (address, tid) = observed.withLock { ($0.address, $0.tid) }
            // Read it while it sleeps in usleep (state S), as a stalled thread is read (deadline 30 s).
            let deadline = ContinuousClock.now + .seconds(30)
            while ThreadInventory.info(threadID: tid)?.state != "S" && ContinuousClock.now < deadline {
                sched_yield()
            }
            let reading = TaskObjectReader.read(taskAddress: address, local: ReaderScope.$id)
            observed.withLock {
                $0.reading = reading
                $0.readerTid = ThreadInventory.currentThreadID()
            }
            released.store(true, ordering: .releasing)
        }
    }

    /// Runs in the task to read: publishes the task and its thread, then blocks until it was read.
    func block() {
        observed.withLock {
            $0.address = UInt(c_mode_current_swift_task())
            $0.tid = ThreadInventory.currentThreadID()
        }
        published.signal()
        while !released.load(ordering: .acquiring) { usleep(1_000) }
    }

    /// What the reader read, the task's address, and whether the reader ran on another thread.
    var result: (reading: TaskObjectReader.Reading?, address: UInt, otherThread: Bool) {
        observed.withLock { ($0.reading, $0.address, $0.readerTid != 0 && $0.readerTid != $0.tid) }
    }
}

/// A reader thread against tasks that end one after another.
private final class ReadRace: Sendable {
    let current = Atomic<UInt>(0)
    let stop = Atomic<Bool>(false)
    let wrong = Mutex<[String]>([])
    let readsWithValue = Atomic<Int>(0)

    func readUntilStopped() {
        while !stop.load(ordering: .acquiring) {
            let address = current.load(ordering: .acquiring)
            guard address != 0 else { continue }
            switch TaskObjectReader.read(taskAddress: address, local: RaceScope.$id) {
            case .task(let task) where task.scopeID == 45: readsWithValue.add(1, ordering: .relaxed)
            case .task(let task) where task.scopeID != nil: wrong.withLock { $0.append("\(task)") }
            case .unavailable(let why): wrong.withLock { $0.append(why) }
            default: break
            }
        }
    }

    /// Runs in a task: binds 45, publishes the task, blocks briefly.
    func runOneTask() {
        RaceScope.$id.withValue(45) {
            current.store(UInt(c_mode_current_swift_task()), ordering: .releasing)
            usleep(100)
        }
    }
}

@Suite("Task-local reads from the task object, without a signal", .serialized)
struct TaskObjectReaderTests {
    init() async {
        // Every test needs the reader proven; a failure here is reported by selfCheckPasses.
        _ = await TaskObjectReader.selfCheck()
    }

    @Test("the start-up self-check proves the layout on this runtime")
    func selfCheckPasses() async {
        #expect(await TaskObjectReader.selfCheck() == .available)
        #expect(TaskObjectReader.availability == .available)
    }

    /// Checks what the reader thread read: a task with `relation` and `scopeID`, from another thread.
    private func expectRead(_ blocker: BlockedTask, by reader: TestThread, relation: RunningTask.Relation,
                            scopeID: UInt64?, sourceLocation: SourceLocation = #_sourceLocation) {
        withExtendedLifetime(reader) {}
        let (reading, address, otherThread) = blocker.result
        #expect(otherThread, sourceLocation: sourceLocation)
        #expect(reading == .task(RunningTask(address: address, relation: relation, scopeID: scopeID)),
                sourceLocation: sourceLocation)
    }

    @Test("a task-group child blocked in usleep is read with its ancestor's task-local")
    func groupChild() async {
        let blocker = BlockedTask()
        let reader = blocker.startReader()
        await ReaderScope.$id.withValue(41) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { blocker.block() }
            }
        }
        expectRead(blocker, by: reader, relation: .groupChild, scopeID: 41)
    }

    @Test("an async let child blocked in usleep is read with its ancestor's task-local")
    func asyncLetChild() async {
        let blocker = BlockedTask()
        let reader = blocker.startReader()
        // The ancestor binds; a task group's child starts the async let: the chain goes through both parents.
        await ReaderScope.$id.withValue(42) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    async let blocked: Void = blocker.block()
                    await blocked
                }
            }
        }
        expectRead(blocker, by: reader, relation: .asyncLetChild, scopeID: 42)
    }

    @Test("a Task {} blocked in usleep keeps the value it copied, after its creator's binding ended")
    func unstructuredTask() async {
        let blocker = BlockedTask()
        let task = ReaderScope.$id.withValue(43) { Task { blocker.block() } }
        let reader = blocker.startReader()
        await task.value
        expectRead(blocker, by: reader, relation: .unstructured, scopeID: 43)
    }

    @Test("a task without the binding is read as a task with no value")
    func unboundTask() async {
        let blocker = BlockedTask()
        let reader = blocker.startReader()
        await Task.detached { blocker.block() }.value
        expectRead(blocker, by: reader, relation: .unstructured, scopeID: nil)
    }

    @Test("a task that ended gives no value; reads racing tasks that end never see a wrong value")
    func endedTask() async {
        let finished = Task { ReaderScope.$id.withValue(44) { UInt(c_mode_current_swift_task()) } }
        let address = await finished.value
        let afterEnd = TaskObjectReader.read(taskAddress: address, local: ReaderScope.$id)
        if case .task(let task) = afterEnd { #expect(task.scopeID == nil) }

        // A thread reads whichever task is current while tasks bind 45, block briefly and end, one after another.
        let race = ReadRace()
        let reader = TestThread(name: "object-reader") { _ in race.readUntilStopped() }
        // At least 200 tasks, and until the reader has seen one alive (at most 20,000: a stalled reader thread).
        var tasks = 0
        while tasks < 200 || (race.readsWithValue.load(ordering: .relaxed) == 0 && tasks < 20_000) {
            await Task { race.runOneTask() }.value
            tasks += 1
        }
        race.stop.store(true, ordering: .releasing)
        withExtendedLifetime(reader) {}
        #expect(race.wrong.withLock { $0 }.isEmpty)
        // The reads did see live tasks (else the race was never run).
        #expect(race.readsWithValue.load(ordering: .relaxed) > 0)
    }

    @Test("garbage addresses give no value", arguments: [
        0, 1, 0x10, 0x1000, UInt(bitPattern: -4096), UInt(bitPattern: -8), 0x7FFF_FFFF_F000,
    ] as [UInt])
    func garbage(address: UInt) {
        #expect(TaskObjectReader.read(taskAddress: address, local: ReaderScope.$id) == .noTask)
    }

    @Test("objects that are not tasks, and freed memory, give no value")
    func notATask() {
        let object = NSObject()
        let objectAddress = UInt(bitPattern: Unmanaged.passUnretained(object).toOpaque())
        #expect(TaskObjectReader.read(taskAddress: objectAddress, local: ReaderScope.$id) == .noTask)
        withExtendedLifetime(object) {}

        let block = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0xA5, count: 256)
        let blockAddress = UInt(bitPattern: block)
        #expect(TaskObjectReader.read(taskAddress: blockAddress, local: ReaderScope.$id) == .noTask)
        block.deallocate()
        #expect(TaskObjectReader.read(taskAddress: blockAddress, local: ReaderScope.$id) == .noTask)

        var onStack: (UInt, UInt, UInt, UInt) = (0, 0, 0, 0)
        let stackAddress = withUnsafeMutablePointer(to: &onStack) { UInt(bitPattern: $0) }
        #expect(TaskObjectReader.read(taskAddress: stackAddress, local: ReaderScope.$id) == .noTask)
    }

    @Test("a report of a blocked thread says why when the task object cannot be read")
    func unavailableReason() {
        let query = TaskAttributionQuery(
            runningTask: nil, taskSeenNanoseconds: 0, jobAddress: 0x1000, jobSeenNanoseconds: 0)
        let unavailable = query.unattributedReason(
            captured: true, withoutSignal: true, taskObject: .unavailable("the self-check failed"))
        #expect(unavailable == query.unattributedReason(captured: true, withoutSignal: true)
            + " (task-object read unavailable: the self-check failed)")
        let actorJob = query.unattributedReason(captured: true, withoutSignal: true, taskObject: .noTask)
        #expect(actorJob.contains("its executor's job is no live task (an actor's job"))
        // Read with the signal, the task object plays no part.
        #expect(!query.unattributedReason(captured: true, withoutSignal: false, taskObject: .unavailable("x"))
            .contains("task-object"))
    }

    @Test("the watchdog reads the job's task object for a thread read without a signal, and only then")
    func watchdogQuery() {
        let child = RunningTask(address: 0x7000, relation: .groupChild, scopeID: 41)
        let blocked = RawStack(addresses: [0x1234], unwinder: .libunwindRemote)
        let (query, reading) = StallWatchdog.attributionQuery(
            raw: blocked, withoutSignal: true, job: 0x7000, taskSeen: 900, jobSeen: 800,
            readTask: { $0 == 0x7000 ? .task(child) : .noTask })
        #expect(reading == .task(child))
        #expect(query.runningTask == child)
        // The task was the job when the poll saw it.
        #expect(query.taskSeenNanoseconds == 800)

        var signalled = RawStack(addresses: [0x1234], unwinder: .libunwind)
        signalled.runningTask = RunningTask(address: 0x9000, relation: .unstructured, scopeID: 7)
        let (bySignal, notRead) = StallWatchdog.attributionQuery(
            raw: signalled, withoutSignal: false, job: 0x7000, taskSeen: 900, jobSeen: 800,
            readTask: { _ in Issue.record("read although the signal named the task"); return .noTask })
        #expect(notRead == nil && bySignal.runningTask == signalled.runningTask && bySignal.taskSeenNanoseconds == 900)

        let (noJob, _) = StallWatchdog.attributionQuery(
            raw: blocked, withoutSignal: true, job: nil, taskSeen: 900, jobSeen: 800,
            readTask: { _ in Issue.record("read without a job"); return .noTask })
        #expect(noJob.runningTask == nil)
    }
}
