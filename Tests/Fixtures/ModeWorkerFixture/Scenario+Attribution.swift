import Foundation
import Mode
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// The attribution matrix: service code blocks on every path it can run on, one cell at a time, so a test can
// check that each stall report names the service and the task. Each cell logs
// `Attribution cell <name> blocking on tid <tid>`, blocks its thread until the test creates the file
// `$ATTRIBUTION_RELEASE_DIR/<name>` (at most 60 s), then logs `Attribution cell <name> released`. Cells run
// in `AttributionCells.order`; the onStop cells run when the Worker stops.

extension Scenario {
    static func attributionRoot() -> any Service {
        AppService(children: [
            ClassCells(), ActorCells(), ServiceThread { ThreadCells(thread: $0) },
            LoopCells(loop: AttributionCells.loops.next()),
        ])
    }

    static func attributionConfigure(_ worker: Worker) {
        worker.watch(eventLoopGroup: AttributionCells.loops, name: "attribution-nio")
    }
}

enum AttributionCells {
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Every cell in the order it runs (the onStop cells last, in stop order).
    static let order: [String] = kindCells("class") + ["class.issue-12", "class.main-actor"] + kindCells("actor") + [
        "actor.isolated", "detached", "thread.task", "nio.actor", "nio.closure", "actor.onStop", "class.onStop",
    ]

    static func kindCells(_ kind: String) -> [String] {
        ["onStart", "immediate", "onStarted", "after-sleep", "timer", "cron", "future", "async-let", "group",
         "unstructured", "global-pool", "global-pool.after-sleep"].map { "\(kind).\($0)" }
    }

    static let gate = CellGate()

    /// One blocking function per cell (each sleeps 5 ms): the watchdog rate-limits reports by their innermost
    /// application frame, so cells blocking in one shared function would be reported once per 30 s.
    static let sites: [@Sendable () -> Void] = [
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
        { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) }, { usleep(5_000) },
    ]

    /// Blocks the calling thread until the test releases `cell`, then lets the next cell run.
    @inline(never)
    static func block(_ cell: String) {
        let directory = ProcessInfo.processInfo.environment["ATTRIBUTION_RELEASE_DIR"] ?? "/nonexistent"
        // The thread's activity slot (jobs started, nesting depth) tells, when a cell's report is missing, whether
        // it ran in a new job.
        let tid = ThreadInventory.currentThreadID()
        let activity = ThreadActivity.snapshot().first { $0.threadID == tid }
            .map { "jobs_run=\($0.jobsRun) job=\(String($0.job ?? 0, radix: 16))" } ?? "no activity slot"
        Worker.writeFixtureError("Attribution cell \(cell) blocking on tid \(tid) (\(activity))\n")
        let site = sites[(order.firstIndex(of: cell) ?? 0) % sites.count]
        var waited = 0
        while access("\(directory)/\(cell)", F_OK) != 0 && waited < 12_000 {
            site()
            waited += 1
        }
        Worker.writeFixtureError("Attribution cell \(cell) released\n")
        gate.finish(cell)
    }

    /// Waits for `cell`'s turn, then blocks in it, in a job of its own: a block that followed the previous
    /// cell's in one job would be the same stall to the watchdog (hooks run one after another in one task).
    /// A short suspension normally starts a new job, but not always (`Task.yield` does not on a task executor,
    /// `Task.sleep` returns at once in a cancelled task, and a continuation resumed before the task finished
    /// suspending lets it run on in the same job: seen under load), so this suspends until the thread's job
    /// count says a new job runs.
    static func run(_ cell: String) async {
        await gate.turn(cell)
        if Task.isCancelled { Worker.writeFixtureError("Attribution cell \(cell) runs in a cancelled task\n") }
        let before = jobStamp()
        repeat {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(1)) { continuation.resume() }
            }
        } while before != nil && jobStamp() == before
        block(cell)
    }

    /// This thread and the number of jobs it has started (its activity slot), or nil on a thread without one.
    static func jobStamp() -> String? {
        let tid = ThreadInventory.currentThreadID()
        return ThreadActivity.snapshot().first { $0.threadID == tid }.map { "\(tid)/\($0.jobsRun)" }
    }
}

/// Lets cells run one at a time, in ``AttributionCells/order``.
final class CellGate: Sendable {
    private struct State {
        var finished: Set<String> = []
        var waiters: [(cell: String, resume: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())

    private static func ready(_ cell: String, _ finished: Set<String>) -> Bool {
        AttributionCells.order.prefix { $0 != cell }.allSatisfy(finished.contains)
    }

    func turn(_ cell: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if Self.ready(cell, state.finished) { return true }
                state.waiters.append((cell, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    func finish(_ cell: String) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished.insert(cell)
            let finished = state.finished
            let ready = state.waiters.filter { Self.ready($0.cell, finished) }
            state.waiters.removeAll { Self.ready($0.cell, finished) }
            return ready.map(\.resume)
        }
        for continuation in ready { continuation.resume() }
    }
}

final class Box<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
}

/// A wall clock whose first reading is 50 ms before a minute boundary, so a `* * * * *` cron job fires at once.
func cronClockNearMinute() -> @Sendable () -> Date {
    let offset = Box<Double?>(nil)
    return {
        let real = Date()
        let shift = offset.value.withLock { offset in
            if let offset { return offset }
            let seconds = real.timeIntervalSince1970
            let shift = (seconds / 60).rounded(.up) * 60 - 0.05 - seconds
            offset = shift
            return shift
        }
        return real.addingTimeInterval(shift)
    }
}

/// The cells that run in a service's own code, for a service of kind `kind` ("class" or "actor").
func serviceCellTasks(_ kind: String, service: any Service) -> [ServiceTask] {
    let once = Box<Set<String>>([])
    @Sendable func first(_ cell: String) -> Bool { once.value.withLock { $0.insert(cell).inserted } }
    return [
        .task("immediate") { AttributionCells.block("\(kind).immediate") },
        .task("after-sleep") {
            await AttributionCells.gate.turn("\(kind).after-sleep")
            try await Task.sleep(for: .milliseconds(20))
            AttributionCells.block("\(kind).after-sleep")
        },
        .timer("timer", every: .milliseconds(50)) {
            if first("timer") { await AttributionCells.run("\(kind).timer") }
        },
        .cron("cron", "* * * * *", now: cronClockNearMinute()) {
            if first("cron") { await AttributionCells.run("\(kind).cron") }
        },
        .task("spawn-future") {
            await AttributionCells.gate.turn("\(kind).future")
            service.addFuture("future") { AttributionCells.block("\(kind).future") }
        },
        .task("children") {
            await AttributionCells.gate.turn("\(kind).async-let")
            async let child: Void = AttributionCells.block("\(kind).async-let")
            await child
            await AttributionCells.gate.turn("\(kind).group")
            await withTaskGroup(of: Void.self) { group in
                group.addTask { AttributionCells.block("\(kind).group") }
            }
            await AttributionCells.gate.turn("\(kind).unstructured")
            await Task { AttributionCells.block("\(kind).unstructured") }.value
        },
        .task("global") {
            // Tasks spawned without an executor preference run on the global pool.
            await AttributionCells.gate.turn("\(kind).global-pool")
            await service.lifecycle.tree.tasks.spawn("global-pool", servicePath: service.path) {
                AttributionCells.block("\(kind).global-pool")
            }.task.value
            await AttributionCells.gate.turn("\(kind).global-pool.after-sleep")
            await service.lifecycle.tree.tasks.spawn("global-pool-after-sleep", servicePath: service.path) {
                try await Task.sleep(for: .milliseconds(20))
                AttributionCells.block("\(kind).global-pool.after-sleep")
            }.task.value
        },
    ]
}

final class ClassCells: Service {
    let lifecycle = ServiceLifecycleState()
    var tasks: [ServiceTask] {
        serviceCellTasks("class", service: self) + [
            // Issue 12's report: a final class's task that sleeps, then blocks in usleep (which the capture
            // signal may cut short, ending the task right after the capture). Not released by the test.
            .task("issue-12") {
                await AttributionCells.gate.turn("class.issue-12")
                try await Task.sleep(for: .milliseconds(300))
                Worker.writeFixtureError(
                    "Attribution cell class.issue-12 blocking on tid \(ThreadInventory.currentThreadID())\n")
                usleep(2_000_000)
                AttributionCells.gate.finish("class.issue-12")
            },
            // Code on the main actor runs outside the service's isolation: one cell covers both kinds.
            .task("main") {
                await AttributionCells.gate.turn("class.main-actor")
                await MainActor.run { AttributionCells.block("class.main-actor") }
            },
        ]
    }
    func onStart() async throws { AttributionCells.block("class.onStart") }
    func onStarted() async throws { await AttributionCells.run("class.onStarted") }
    func onStop() async throws { await AttributionCells.run("class.onStop") }
}

actor ActorCells: Service {
    let lifecycle = ServiceLifecycleState()
    nonisolated var tasks: [ServiceTask] {
        serviceCellTasks("actor", service: self) + [
            .task("isolated") {
                await AttributionCells.gate.turn("actor.isolated")
                await self.blockIsolated("actor.isolated")
            },
            .task("spawn-detached") {
                await AttributionCells.gate.turn("detached")
                await Task.detached { AttributionCells.block("detached") }.value
            },
        ]
    }
    func blockIsolated(_ cell: String) { AttributionCells.block(cell) }
    func onStart() async throws { await AttributionCells.run("actor.onStart") }
    func onStarted() async throws { await AttributionCells.run("actor.onStarted") }
    func onStop() async throws { await AttributionCells.run("actor.onStop") }
}

/// A service on its own thread (`ServiceThread`): its task blocks in an actor-isolated method, on that thread.
actor ThreadCells: Service {
    let lifecycle = ServiceLifecycleState()
    let thread: ServiceThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { thread.unownedExecutor }
    init(thread: ServiceThreadExecutor) { self.thread = thread }
    nonisolated var tasks: [ServiceTask] {
        [.task("thread-task") {
            await AttributionCells.gate.turn("thread.task")
            await self.blockIsolated("thread.task")
        }]
    }
    func blockIsolated(_ cell: String) { AttributionCells.block(cell) }
}

/// A service whose actor runs on a SwiftNIO event loop, and a closure it schedules on that loop.
actor LoopCells: Service {
    let lifecycle = ServiceLifecycleState()
    let loop: any EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
    init(loop: any EventLoop) { self.loop = loop }
    nonisolated var tasks: [ServiceTask] {
        [.task("loop-actor") {
            await AttributionCells.gate.turn("nio.actor")
            await self.blockIsolated("nio.actor")
            await AttributionCells.gate.turn("nio.closure")
            self.loop.execute { AttributionCells.block("nio.closure") }
        }]
    }
    func blockIsolated(_ cell: String) { AttributionCells.block(cell) }
}
