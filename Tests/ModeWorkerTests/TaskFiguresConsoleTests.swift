import ModeConsole
import ModeCore
@testable import ModeDiagnostics
@testable import ModeWorker
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A task's executor figures in `where` and the JSON of `ps`.
@Suite("Console: a task's executor figures")
struct TaskFiguresConsoleTests {
    @Test func whereAndPsShowTheJobsAndBusyTimeOfAnAccountedTask() async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "figures-")
        defer { executor.shutdown() }
        let tasks = TaskRegistry()
        let id = tasks.register(name: "cruncher", kind: .task, servicePath: "Worker/App", creationSite: "App.swift:1")
        let parked = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let worker = Task(executorPreference: executor) {
            // What the Worker does when a task starts: bind its runtime address, register it for attribution.
            let address = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } } ?? 0
            tasks.markStarted(id: id, runtimeAddress: address)
            TaskAttributionTable.shared.register(taskAddress: address, TaskAttribution(taskName: "cruncher"))
            usleep(50_000)  // a job that holds the thread for 50 ms
            await Task.yield()
            await withCheckedContinuation { continuation in parked.withLock { $0 = continuation } }
            TaskAttributionTable.shared.unregister(taskAddress: address)
        }
        while parked.withLock({ $0 == nil }) { try await Task.sleep(for: .milliseconds(1)) }
        let output = try WorkerConsoleCommands.whereTask(["\(id)"], in: tasks)
        #expect(output.text.contains(#/jobs:       [1-9][0-9]* run, busy [0-9]+ ms/#), "\(output.text)")
        #expect(output.text.contains(#/last ran:   [0-9.]+ s ago/#), "\(output.text)")
        let json = output.jsonDocument.rendered()
        #expect(json.contains(#""longest_job_ms":"#) && json.contains(#""scheduled_ms":"#), "\(json)")
        let ps = WorkerConsoleCommands.liveTasks(filter: "", in: tasks).jsonDocument.rendered()
        let busy = try #require(ps.firstMatch(of: #/"busy_ms":(\d+)/#).map { Int($0.1)! }, "\(ps)")
        let minimum = Int((50_000_000 - 2 * ThreadActivity.clockResolutionNanoseconds) / 1_000_000)
        #expect(busy >= minimum, "\(ps)")
        // top ranks it: the only accounted task of this registry, busy for its 50 ms.
        let registry = ConsoleCommandRegistry()
        WorkerConsoleCommands.registerTaskCommands(in: registry, tasks: tasks)
        let top = registry.execute(line: "top")
        #expect(top.text.contains("Executor time over each task's life"), "\(top.text)")
        #expect(top.text.contains(#/\|\s+\d+ \| cruncher\s+\| Worker/App\s+\|/#), "\(top.text)")
        let again = registry.execute(line: "json top")
        #expect(again.text.contains(#""window_s":"#) && again.text.contains(#""name":"cruncher""#), "\(again.text)")
        // Its 50 ms job is a long poll at a 10 ms threshold, and nothing at the default 100 ms.
        let strict = registry.execute(line: "warnings --poll 10")
        #expect(strict.text.contains("long-poll: #\(id) cruncher (Worker/App, created at App.swift:1) ran one job for"),
                "\(strict.text)")
        #expect(!registry.execute(line: "warnings").text.contains("cruncher"))
        #expect(registry.execute(line: "warnings --poll").text.hasPrefix("error:"))
        parked.withLock { $0 }?.resume()
        await worker.value
    }

    @Test func whereMarksTheChildrenThatHaveFinished() throws {
        let tasks = TaskRegistry()
        let parent = tasks.register(name: "accept", kind: .future, servicePath: "Worker/Web", creationSite: "Web.swift:1")
        let (live, done) = TaskRegistry.$currentTaskID.withValue(parent) {
            (tasks.register(name: "conn-1", kind: .task, servicePath: "Worker/Web", creationSite: "Web.swift:2"),
             tasks.register(name: "conn-2", kind: .task, servicePath: "Worker/Web", creationSite: "Web.swift:2"))
        }
        tasks.markEnded(id: done, outcome: .finished)
        let text = try WorkerConsoleCommands.whereTask(["\(parent)"], in: tasks).text
        #expect(text.contains("  children:   #\(live) conn-1, #\(done) conn-2 (finished)"), "\(text)")
    }
}
