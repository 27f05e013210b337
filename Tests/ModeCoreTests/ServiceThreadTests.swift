import Foundation
import ModeCore
import ModeTestKit
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The name of the calling OS thread.
func currentThreadName() -> String {
    let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    return comm.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Threads of this process named `name`, from /proc/self/task/*/comm.
/// Whether no thread named `name` is left, waiting for it (deadline 10 s): a joined thread leaves /proc slightly
/// after `pthread_join` returns (a fresh-clone CI run saw one still listed right after a failed start).
func noThreadLeft(named name: String) -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while !threads(named: name).isEmpty {
        if ContinuousClock.now > deadline { return false }
        usleep(1_000)
    }
    return true
}

func threads(named name: String) -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.filter { tid in
        let comm = (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .whitespacesAndNewlines) == name
    }
}

/// An actor on a dedicated thread that records the thread each hook and task runs on.
actor ThreadedRecorder: Service {
    let lifecycle: ServiceLifecycleState
    let thread: ServiceThreadExecutor
    let events: EventRecorder
    let failStart: Bool
    nonisolated var unownedExecutor: UnownedSerialExecutor { thread.unownedExecutor }

    init(thread: ServiceThreadExecutor, events: EventRecorder, failStart: Bool = false) {
        self.lifecycle = ServiceLifecycleState(logger: LogCapture().logger, label: "Recorder")
        self.thread = thread
        self.events = events
        self.failStart = failStart
    }

    nonisolated var tasks: [ServiceTask] {
        [.task("work") {
            self.events.record("task@\(currentThreadName())")
            await self.sleep(for: .seconds(3600))
        }]
    }

    func onStart() async throws {
        events.record("onStart@\(currentThreadName())")
        events.record("onStart.onCurrentThread=\(thread.isCurrentThread)")
        if failStart { throw Boom(what: "cannot connect") }
    }

    func onStop() async throws { events.record("onStop@\(currentThreadName())") }
    func onShutdown() async throws { events.record("onShutdown@\(currentThreadName())") }

    func blockingWork(_ value: Int) -> Int {
        usleep(1_000)  // a blocking call: fine on its own thread
        return value * 2
    }
}

@Suite("ServiceThread: a service on its own OS thread")
struct ServiceThreadTests {
    @Test("hooks and tasks run on the service's thread; stop joins it")
    func hooksOnThread() async throws {
        let events = EventRecorder()
        let name = "mode-svc-thr1"
        let threaded = ServiceThread(threadName: name) { ThreadedRecorder(thread: $0, events: events) }
        threaded.lifecycle.setLogger(LogCapture().logger)
        #expect(noThreadLeft(named: name))
        try await threaded.start()
        #expect(threads(named: name).count == 1)
        await events.waitFor("task@\(name)")
        await threaded.stop()
        #expect(events.events.contains("onStart@\(name)"))
        #expect(events.events.contains("onStop@\(name)"))
        #expect(events.events.contains("onShutdown@\(name)"))
        #expect(threaded.service.children.isEmpty && threaded.children.count == 1)
        #expect(noThreadLeft(named: name))
        #expect(threaded.service.ownedTasks.isEmpty)
        #expect(threaded.thread.threadID == nil)
    }

    @Test("run and actor calls return results across threads")
    func resultsAcrossThreads() async throws {
        let events = EventRecorder()
        let name = "mode-svc-thr2"
        let threaded = ServiceThread(threadName: name) { ThreadedRecorder(thread: $0, events: events) }
        threaded.lifecycle.setLogger(LogCapture().logger)
        try await threaded.start()
        let tid = try #require(threaded.thread.threadID)
        let (value, ranOn) = try await threaded.run { (21 * 2, currentThreadName()) }
        #expect(value == 42 && ranOn == name)
        #expect(currentThreadName() != name)
        #expect(await threaded.service.blockingWork(5) == 10)
        await #expect(throws: Boom.self) { try await threaded.run { () throws -> Int in throw Boom() } }
        #expect(threads(named: name).count == 1 && tid > 0)
        await threaded.stop()
        await #expect(throws: DedicatedThreadError.self) { try await threaded.run { 1 } }
    }

    @Test("a start failure propagates to the parent and leaves no thread behind")
    func startFailurePropagates() async throws {
        let events = EventRecorder()
        let name = "mode-svc-thr3"
        let parent = RecordingService("Parent", events: events)
        parent.lifecycle.setLogger(LogCapture().logger)
        let threaded = ServiceThread(threadName: name) {
            ThreadedRecorder(thread: $0, events: events, failStart: true)
        }
        try parent.addDependency(threaded)
        let error = await #expect(throws: ServiceError.self) { try await parent.start() }
        #expect(error?.code == .startFailed)
        #expect((error?.underlying as? Boom)?.what == "cannot connect")
        #expect(events.events.contains("onStart@\(name)"))
        #expect(noThreadLeft(named: name))
        #expect(parent.state == .crashed)
    }

    @Test("a restart runs the hooks on a fresh thread")
    func restartUsesFreshThread() async throws {
        let events = EventRecorder()
        let name = "mode-svc-thr4"
        let threaded = ServiceThread(threadName: name) { ThreadedRecorder(thread: $0, events: events) }
        threaded.lifecycle.setLogger(LogCapture().logger)
        try await threaded.start()
        let first = try #require(threaded.thread.threadID)
        events.reset()
        try await threaded.restart()
        let second = try #require(threaded.thread.threadID)
        #expect(first != second)
        #expect(events.events.filter { $0.hasPrefix("onStart@") } == ["onStart@\(name)"])
        #expect(events.events.contains("onStart.onCurrentThread=true"))  // the new thread, not a fallback
        #expect(await threaded.service.blockingWork(1) == 2)
        await threaded.stop()
        #expect(noThreadLeft(named: name))
    }

    @Test("a watchdog observer sees the thread start (with a working heartbeat) and stop")
    func observerSeesThread() async throws {
        let name = "mode-svc-thr5"
        let seen = EventRecorder()
        let threaded = ServiceThread(threadName: name) { ThreadedRecorder(thread: $0, events: EventRecorder()) }
        let observation = threaded.lifecycle.tree.observeServiceThreads { event in
            switch event {
            case .started(let started, _, let submit, _) where started == name:
                seen.record("started")
                submit { seen.record("beat@\(currentThreadName())") }
            case .stopping(let stopping, _) where stopping == name:
                seen.record("stopping")
            default:
                break
            }
        }
        defer { observation.cancel() }
        threaded.lifecycle.setLogger(LogCapture().logger)
        try await threaded.start()
        await seen.waitFor("beat@\(name)")
        await threaded.stop()
        #expect(seen.events.first == "started")
        #expect(seen.events.last == "stopping")
    }
}

/// mode's `UntrackedTaskThread`: the hosted actor starts tasks from its own thread without the service API
/// (as a driver library would): one isolated to the actor, one only preferring the thread's executor.
actor UntrackedTaskStarter: Service {
    let lifecycle: ServiceLifecycleState
    let thread: ServiceThreadExecutor
    let events: EventRecorder
    private(set) var isolated: Task<Void, any Error>?
    private(set) var preferring: Task<Void, any Error>?
    nonisolated var unownedExecutor: UnownedSerialExecutor { thread.unownedExecutor }

    init(thread: ServiceThreadExecutor, events: EventRecorder) {
        self.lifecycle = ServiceLifecycleState(logger: LogCapture().logger, label: "Untracked")
        self.thread = thread
        self.events = events
    }

    func onStart() async throws {
        let events = self.events
        isolated = Task {  // uses `self`: isolated to the actor, so it runs on the service's thread
            self.events.record("isolated.started")
            defer { self.events.record("isolated.finished@\(currentThreadName())") }
            try await Task.sleep(for: .seconds(3600))
        }
        preferring = Task(executorPreference: thread.executor) {
            events.record("preferring.started")
            defer { events.record("preferring.finished@\(currentThreadName())") }
            try await Task.sleep(for: .seconds(3600))
        }
    }
}

/// A started ServiceThread on thread `name` hosting what `make` builds, logging nowhere.
private func startedThread<Hosted: Service>(
    _ name: String, _ make: (ServiceThreadExecutor) -> Hosted
) async throws -> ServiceThread<Hosted> {
    let threaded = ServiceThread(threadName: name, make)
    threaded.lifecycle.setLogger(LogCapture().logger)
    try await threaded.start()
    return threaded
}

@Suite("ServiceThread: no task is left behind")
struct ServiceThreadSweepTests {
    @Test("tasks started on the thread outside the service API are cancelled and finish before stop returns")
    func untrackedTasksAreSwept() async throws {
        let events = EventRecorder()
        let name = "mode-svc-swp1"
        let threaded = try await startedThread(name) { UntrackedTaskStarter(thread: $0, events: events) }
        await events.waitFor("isolated.started")
        await events.waitFor("preferring.started")
        let isolated = try #require(await threaded.service.isolated)
        let preferring = try #require(await threaded.service.preferring)
        #expect(!isolated.isCancelled && !preferring.isCancelled)

        await threaded.stop()
        // The task preferring the thread finished (not merely was cancelled) before stop() returned.
        #expect(events.events.contains("preferring.finished@\(name)"))
        #expect(isolated.isCancelled && preferring.isCancelled)
        if isolated.isCancelled {  // without the sweep this would wait an hour
            await #expect(throws: CancellationError.self) { try await isolated.value }
            // The isolated one resumed from its sleep elsewhere, then finished on the service's thread.
            #expect(events.events.contains("isolated.finished@\(name)"))
        }
        #expect(noThreadLeft(named: name))
    }

    @Test("callers of the hosted actor are visitors: stopping the thread never cancels them")
    func visitorsAreNotCancelled() async throws {
        let events = EventRecorder()
        let threaded = try await startedThread("mode-svc-swp2") { ThreadedRecorder(thread: $0, events: events) }
        #expect(await threaded.service.blockingWork(2) == 4)   // this test's task visited the thread
        await threaded.stop()
        #expect(!Task.isCancelled)
        #expect(!withUnsafeCurrentTask { $0?.isCancelled ?? false })
    }
}
