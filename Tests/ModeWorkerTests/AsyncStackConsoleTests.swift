import Dispatch
import ModeConsole
import ModeCore
@testable import ModeDiagnostics
@testable import ModeWorker
import Synchronization
import Testing

// The functions the tasks under test suspend in: `where` must name each as the task's innermost frame.

@inline(never)
func asyncStackTestSleeping() async {
    try? await Task.sleep(for: .seconds(600))
    asyncStackTestKeep(0)
}

@inline(never)
func asyncStackTestContinuation(_ parking: AsyncStackTestParking) async {
    await withCheckedContinuation { parking.park($0) }
    asyncStackTestKeep(parking)
}

@inline(never)
func asyncStackTestAwaitingChild() async {
    async let child: Void = asyncStackTestSleeping()
    await child
    asyncStackTestKeep(1)
}

@inline(never)
func asyncStackTestCallingActor(_ actor: AsyncStackTestBusyActor) async {
    await actor.asyncStackTestActorMethod()
    asyncStackTestKeep(actor)
}

@inline(never)
func asyncStackTestKeep<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Holds continuations until released.
final class AsyncStackTestParking: Sendable {
    private let state = Mutex<(parked: [CheckedContinuation<Void, Never>], released: Bool)>(([], false))

    func park(_ continuation: CheckedContinuation<Void, Never>) {
        let now = state.withLock { state -> Bool in
            if state.released { return true }
            state.parked.append(continuation)
            return false
        }
        if now { continuation.resume() }
    }

    var parkedCount: Int { state.withLock { $0.parked.count } }

    func release() {
        let parked = state.withLock { state in
            state.released = true
            defer { state.parked = [] }
            return state.parked
        }
        for continuation in parked { continuation.resume() }
    }
}

/// A serial executor that runs nothing until released: an actor on it stays busy without blocking a thread.
final class AsyncStackTestHeldExecutor: SerialExecutor {
    private let queue = DispatchQueue(label: "async-stack-test-held")

    init() { queue.suspend() }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func release() { queue.resume() }
}

actor AsyncStackTestBusyActor {
    let executor: AsyncStackTestHeldExecutor

    init(executor: AsyncStackTestHeldExecutor) { self.executor = executor }

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    @inline(never)
    func asyncStackTestActorMethod() async {
        asyncStackTestKeep(self)
    }
}

@Suite("Async stacks of suspended tasks in the console")
struct AsyncStackConsoleTests {
    static let service = "Worker/AsyncStackTests"

    /// `where <id>` until its async stack names `function` (the task reaches its await within milliseconds;
    /// 20 s at most on a busy machine), returning the last output.
    func whereUntil(_ id: UInt64, shows function: String, in tasks: TaskRegistry) async throws -> ConsoleOutput {
        var output = try WorkerConsoleCommands.whereTask(["\(id)"], in: tasks)
        let deadline = ContinuousClock.now + .seconds(20)
        while innermost(output) != function && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            output = try WorkerConsoleCommands.whereTask(["\(id)"], in: tasks)
        }
        return output
    }

    /// The function of `where`'s innermost frame of the program (as `ps -s` shows it), without its module prefix.
    func innermost(_ output: ConsoleOutput) -> String? {
        guard case .string(let function)? = output.json?["innermost_frame"]?["function"] else { return nil }
        return function.split(separator: ".").last.map { String($0.prefix { $0 != "(" }) }
    }

    @Test("where shows a task suspended in Task.sleep, a continuation, on a child and on a busy actor")
    func suspendedTasks() async throws {
        let availability = await TaskObjectReader.asyncStackSelfCheck()
        #expect(availability == .available, "\(availability)")
        let tasks = TaskRegistry()
        let parking = AsyncStackTestParking()
        let executor = AsyncStackTestHeldExecutor()
        let actor = AsyncStackTestBusyActor(executor: executor)
        let sleeper = tasks.spawn("sleeper", servicePath: Self.service) { await asyncStackTestSleeping() }
        let waiter = tasks.spawn("waiter", servicePath: Self.service) { await asyncStackTestContinuation(parking) }
        let parent = tasks.spawn("parent", servicePath: Self.service) { await asyncStackTestAwaitingChild() }
        let caller = tasks.spawn("caller", servicePath: Self.service) { await asyncStackTestCallingActor(actor) }
        defer {
            parking.release()
            executor.release()
            for task in [sleeper, waiter, parent, caller] { task.task.cancel() }
        }
        for (task, function) in [
            (sleeper, "asyncStackTestSleeping"), (waiter, "asyncStackTestContinuation"),
            (parent, "asyncStackTestAwaitingChild"), (caller, "asyncStackTestActorMethod"),
        ] {
            let output = try await whereUntil(task.id, shows: function, in: tasks)
            #expect(innermost(output) == function, "\(output.text)")
            #expect(output.text.contains("async stack, innermost first:"), "\(output.text)")
            #expect(output.text.contains("[async] "), "\(output.text)")
            #expect(output.text.contains("last ran:   not recorded"), "\(output.text)")
            // The frame carries file:line from the project's own symbolicator.
            #expect(output.text.contains("AsyncStackConsoleTests.swift:"), "\(output.text)")
        }
        // The task queued on the busy actor is runnable, not waiting for a wake-up.
        let queued = try WorkerConsoleCommands.whereTask(["\(caller.id)"], in: tasks)
        #expect(queued.text.contains("enqueued (runnable, waiting for a thread or an actor)"), "\(queued.text)")

        // ps -s adds the innermost frame; json ps -s carries it structured.
        let ps = WorkerConsoleCommands.liveTasks(filter: "", in: tasks, frames: WorkerConsoleCommands.liveAsyncStacks)
        #expect(ps.text.contains("Innermost frame"))
        #expect(ps.text.contains("asyncStackTestContinuation("), "\(ps.text)")
        let psJSON = ps.json?.rendered() ?? ""
        #expect(psJSON.contains("\"innermost_frame\""), "\(psJSON)")

        // The dump's task list groups the tasks under their service, each with its frames.
        let stacks = WorkerConsoleCommands.taskStacks(tasks)
        #expect(stacks.allSatisfy { $0.service == Self.service })
        #expect(stacks.first { $0.id == waiter.id }?.frames.contains { $0.symbol?.contains("asyncStackTestContinuation") == true } == true)
        var dump = ThreadDump(pid: 1, unixTimeMilliseconds: 0, reason: "test", threads: [])
        dump.tasks = stacks
        #expect(dump.render().contains("  \(Self.service):\n    #\(sleeper.id) sleeper [user] suspended"), "\(dump.render())")
        #expect(dump.renderJSON().contains("\"tasks\":[{"))
    }

    @Test("ps -s names the innermost frame of the program's own sources")
    func innermostFramePreference() {
        func frame(_ index: Int, _ symbol: String, module: String, file: String?) -> StackFrame {
            StackFrame(index: index, address: UInt(0x1000 + index), symbol: symbol, module: module, file: file,
                       line: file == nil ? nil : 10, isAsync: true)
        }
        let frames = [
            frame(0, "withCheckedThrowingContinuation", module: "libswift_Concurrency.so", file: nil),
            frame(1, "Task.sleep", module: "App", file: "//<compiler-generated>"),
            frame(2, "withNIOUnsafeThrowingContinuation", module: "App", file: "/src/app/.build/checkouts/swift-nio/A.swift"),
            frame(3, "Webserver.accept()", module: "App", file: "/src/app/Sources/App/Webserver.swift"),
        ]
        var stack = AsyncStackSnapshot(state: .suspended, frames: frames, note: nil)
        #expect(stack.innermostFrame?.symbol == "Webserver.accept()")
        stack.frames.removeLast()
        #expect(stack.innermostFrame?.symbol == "withNIOUnsafeThrowingContinuation")
        stack.frames.removeLast()
        #expect(stack.innermostFrame?.symbol == "Task.sleep")
        stack.frames.removeLast()
        #expect(stack.innermostFrame?.symbol == "withCheckedThrowingContinuation")
        #expect(WorkerConsoleCommands.shortFrame(frames[3]) == "Webserver.accept() at Webserver.swift:10")
    }

    @Test("where of one suspended task, asked 200 times after the first symbolication, names its frame every time")
    func whereRepeated() async throws {
        let availability = await TaskObjectReader.asyncStackSelfCheck()
        #expect(availability == .available, "\(availability)")
        let tasks = TaskRegistry()
        let parking = AsyncStackTestParking()
        let waiter = tasks.spawn("waiter", servicePath: Self.service) { await asyncStackTestContinuation(parking) }
        defer { parking.release() }
        _ = try await whereUntil(waiter.id, shows: "asyncStackTestContinuation", in: tasks)  // the first symbolication
        var samples: [Duration] = []
        for _ in 0..<200 {
            let start = ContinuousClock.now
            let output = try WorkerConsoleCommands.whereTask(["\(waiter.id)"], in: tasks)
            samples.append(start.duration(to: .now))
            #expect(output.text.contains("asyncStackTestContinuation("))
        }
        samples.sort()
        // Timing is measured, not asserted (a loaded 2-core machine decides wall times here): the release
        // figures are in BENCHMARKS.md ("where of a suspended task").
        print("where of a suspended task (text, \(samples.count) runs): median \(samples[samples.count / 2]), "
            + "p90 \(samples[samples.count * 9 / 10])")
    }

    @Test("reading tasks that end while being read never crashes and never shows garbage")
    func tasksEndingWhileRead() async throws {
        let availability = await TaskObjectReader.asyncStackSelfCheck()
        #expect(availability == .available, "\(availability)")
        let tasks = TaskRegistry()
        let stop = Atomic<Bool>(false)
        let spawner = Task.detached {
            while !stop.load(ordering: .relaxed) {
                let batch = (0..<8).map { index in
                    tasks.spawn("short-\(index)", servicePath: Self.service) {
                        for _ in 0..<index { await Task.yield() }
                    }
                }
                for entry in batch { await entry.task.value }
            }
        }
        var reads = 0
        var states: [AsyncStackSnapshot.State: Int] = [:]
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline || reads < 200 {
            for record in tasks.liveTasks() + tasks.finishedTasks().suffix(8) {
                // Live records through the console's reader (kept alive), ended ones raw by their old address.
                let stack = record.state.isTerminal
                    ? AsyncStackSnapshot.read(taskAddress: record.runtimeAddress ?? 0)
                    : WorkerConsoleCommands.liveAsyncStacks(record, tasks)
                states[stack.state, default: 0] += 1
                reads += 1
                if stack.state == .suspended || stack.state == .enqueued {
                    // A chain is shown only when it was read whole from one state of one task: every frame is
                    // a resume point inside a loaded image.
                    #expect(!stack.frames.isEmpty)
                    #expect(stack.frames.allSatisfy { $0.isAsync && $0.module != nil }, "\(stack.frames)")
                } else {
                    #expect(stack.frames.isEmpty)
                }
            }
            await Task.yield()
        }
        stop.store(true, ordering: .relaxed)
        await spawner.value
        #expect(reads >= 200)
        #expect(states[.unavailable] == nil, "\(states)")
    }

    @Test("a layout that fails the self-check turns every async stack into \"not available: <reason>\"")
    func badLayoutIsNotAvailable() async throws {
        var shifted = TaskObjectReader.AsyncLayout.swift63
        shifted.resumeContextOffset = 72  // Reserved64: no context there
        var noStatus = TaskObjectReader.AsyncLayout.swift63
        noStatus.statusOffset = 104  // the status record pointer: running tasks would read as suspended
        for layout in [shifted, noStatus] {
            guard case .failed(let reason) = await TaskObjectReader.runAsyncStackSelfCheck(layout: layout, patience: .seconds(1)) else {
                Issue.record("a bad layout passed the self-check: \(layout)")
                continue
            }
            #expect(!reason.isEmpty)
            let tasks = TaskRegistry()
            let parking = AsyncStackTestParking()
            let waiter = tasks.spawn("waiter", servicePath: Self.service) { await asyncStackTestContinuation(parking) }
            defer { parking.release() }
            // Wait until it has parked and its job has left the thread (else `where` shows it running).
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline
                && (parking.parkedCount == 0
                    || tasks.record(id: waiter.id)?.runtimeAddress.map({ WorkerConsoleCommands.runningJobs()[$0] != nil }) != false) {
                try await Task.sleep(for: .milliseconds(1))
            }
            let failed: WorkerConsoleCommands.AsyncStackSource = { record, _ in
                AsyncStackSnapshot.read(taskAddress: record.runtimeAddress ?? 0) { _ in .unavailable(reason) }
            }
            let output = try WorkerConsoleCommands.whereTask(["\(waiter.id)"], in: tasks, asyncStacks: failed)
            #expect(output.text.contains("(not available: \(reason))"), "\(output.text)")
            let json = output.json?.rendered() ?? ""
            #expect(json.contains("\"state\":\"unavailable\""), "\(json)")
        }
    }
}
