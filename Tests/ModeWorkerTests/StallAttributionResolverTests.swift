import ModeCore
import ModeDiagnostics
import ModeWorker
import Testing

/// The Worker's attribution of a stall from its task registry (``RegistryAttribution``), the reasons given
/// when there is no owner, and how reports show both.
@Suite("Stall attribution from the task registry")
struct StallAttributionResolverTests {
    static func started(_ registry: TaskRegistry, _ name: String, at address: UInt, path: String = "app/cache")
        -> UInt64 {
        let id = registry.register(name: name, kind: .task, servicePath: path, creationSite: "App/Cache.swift:7")
        registry.markStarted(id: id, runtimeAddress: address)
        return id
    }

    /// A query seen at `seen` (both the running task and the job).
    static func query(_ running: RunningTask?, job: UInt?, seen: UInt64) -> TaskAttributionQuery {
        TaskAttributionQuery(runningTask: running, taskSeenNanoseconds: seen, jobAddress: job, jobSeenNanoseconds: seen)
    }

    @Test("a task that ended after it was seen running is still named (the capture's signal can end it)")
    func endedAfterSeen() {
        let registry = TaskRegistry()
        let id = Self.started(registry, "blocker", at: 0x1000)
        let seen = TaskRegistry.monotonicNanoseconds()
        registry.markEnded(id: id, outcome: .finished)
        let byTask = Self.query(RunningTask(address: 0x1000, relation: .unstructured, scopeID: id), job: 0x1000,
                                seen: seen)
        #expect(RegistryAttribution.attribute(byTask, registry: registry)?.taskID == id)
        let attribution = RegistryAttribution.attribute(Self.query(nil, job: 0x1000, seen: seen), registry: registry)
        #expect(attribution?.servicePath == "app/cache" && attribution?.taskName == "blocker")
    }

    @Test("a reused address names the task that held it when the job was seen, never a later one")
    func reusedAddress() {
        let registry = TaskRegistry()
        let first = Self.started(registry, "first", at: 0x2000)
        let seenFirst = TaskRegistry.monotonicNanoseconds()
        registry.markEnded(id: first, outcome: .finished)
        let second = Self.started(registry, "second", at: 0x2000)
        let seenSecond = TaskRegistry.monotonicNanoseconds()
        let atFirst = RegistryAttribution.attribute(Self.query(nil, job: 0x2000, seen: seenFirst), registry: registry)
        let atSecond = RegistryAttribution.attribute(Self.query(nil, job: 0x2000, seen: seenSecond), registry: registry)
        #expect(atFirst?.taskID == first)
        #expect(atSecond?.taskID == second)
    }

    @Test("a child task or Task {} is named after the task whose id it inherited", arguments: [
        RunningTask.Relation.asyncLetChild, .groupChild, .unstructured,
    ])
    func inheritedID(relation: RunningTask.Relation) {
        let registry = TaskRegistry()
        let parent = Self.started(registry, "children", at: 0x3000)
        let now = TaskRegistry.monotonicNanoseconds()
        let running = RunningTask(address: 0x4000, relation: relation, scopeID: parent)
        let query = Self.query(running, job: 0x4000, seen: now)
        let attribution = RegistryAttribution.attribute(query, registry: registry)
        #expect(attribution?.taskID == parent)
        #expect(attribution?.createdTask == relation)
    }

    @Test("a task that inherited no id, or no task at all, has no owner, and the reason says which")
    func reasons() {
        let registry = TaskRegistry()
        let now = TaskRegistry.monotonicNanoseconds()
        func query(_ running: RunningTask?) -> TaskAttributionQuery { Self.query(running, job: 0x5000, seen: now) }
        let detached = query(RunningTask(address: 0x5000, relation: .unstructured))
        #expect(RegistryAttribution.attribute(detached, registry: registry) == nil)
        #expect(detached.unattributedReason(captured: true).contains("Task.detached"))
        let child = query(RunningTask(address: 0x5000, relation: .groupChild))
        #expect(child.unattributedReason(captured: true).hasPrefix("a child task of a task created outside"))
        #expect(query(nil).unattributedReason(captured: true).hasPrefix("no Swift task was running"))
        #expect(query(nil).unattributedReason(captured: false).contains("stack was not captured"))
        let forgotten = query(RunningTask(address: 0x5000, relation: .unstructured, scopeID: 99))
        #expect(RegistryAttribution.attribute(forgotten, registry: registry) == nil)
        #expect(forgotten.unattributedReason(captured: true).contains("id 99"))
    }

    @Test("withScope names the calling task while the scope runs, then gives the task back its own name")
    func scope() async throws {
        let registry = TaskRegistry()
        let observed = registry.spawn("lifecycle", servicePath: "app") {
            let address = try #require(TaskRegistry.currentTaskAddress())
            let inner = await registry.withScope("onStart", servicePath: "app/cache") {
                (registry.record(runtimeAddress: address, runningAt: TaskRegistry.monotonicNanoseconds())?.name,
                 TaskRegistry.currentTaskID.flatMap { registry.record(id: $0)?.name },
                 registry.liveTask(runtimeAddress: address)?.name)
            }
            #expect(inner.0 == "onStart" && inner.1 == "onStart" && inner.2 == "onStart")
            let after = registry.record(runtimeAddress: address, runningAt: TaskRegistry.monotonicNanoseconds())
            #expect(after?.name == "lifecycle" && registry.liveTask(runtimeAddress: address)?.name == "lifecycle")
        }.task
        await observed.value
        #expect(registry.finishedTasks().contains { $0.name == "onStart" && $0.servicePath == "app/cache" })
    }

    @Test("the task's entry function is the outermost application frame inside the runtime's job entry")
    func taskEntry() {
        let frames = [
            StackFrame(index: 0, address: 1, symbol: "usleep", module: "libc.so.6"),
            StackFrame(index: 1, address: 2, symbol: "closure #1 in Jobs.spawn()", module: "App",
                       file: "/src/App/Jobs.swift", line: 12, isAsync: true),
            StackFrame(index: 1, address: 3, symbol: "partial apply for closure #1 in Jobs.spawn()", module: "App",
                       file: "<compiler-generated>", line: 0, isAsync: true),
            StackFrame(index: 1, address: 4, symbol: "completeTaskWithClosure", module: "libswift_Concurrency.so",
                       isAsync: true),
            StackFrame(index: 2, address: 5, symbol: "InstrumentedTaskExecutor.runLoop(started:)", module: "App",
                       file: "/src/Mode/InstrumentedTaskExecutor.swift", line: 109),
        ]
        #expect(StallReport.taskEntry(of: frames) == "Jobs.swift:12 (closure #1 in Jobs.spawn())")
        #expect(StallReport.taskEntry(of: Array(frames.prefix(1))) == nil)
    }

    @Test("a report names the task a child ran in, or says why it names none and where the task began")
    func render() {
        var report = StallReport(
            kind: .detected, reportID: 1, timestamp: "t", processID: 1,
            thread: ThreadInfo(tid: 7, name: "mode-exec-0", state: "S"), source: "thread",
            executor: "task-executor", busyMilliseconds: 500, timeoutMilliseconds: 200, site: "s",
            task: TaskAttribution(taskID: 3, taskName: "children", servicePath: "app/cache",
                                  creationSite: "App/Cache.swift:7", createdTask: .asyncLetChild),
            unwinder: .libunwind, frames: [])
        #expect(report.render().contains("  task: children (id 3), in an async let child task\n"))
        report.task = nil
        report.unattributedReason = "a task created outside any service task"
        report.taskEntry = "Jobs.swift:12 (closure #1 in Jobs.spawn())"
        let text = report.render()
        #expect(text.contains("  service: - (a task created outside any service task)\n"))
        #expect(text.contains("  created at: Jobs.swift:12 (closure #1 in Jobs.spawn()), the task's entry function"))
    }
}
