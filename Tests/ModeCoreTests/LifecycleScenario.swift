@testable import ModeCore
import Logging
import ModeTestKit
import Synchronization

/// One random run for the lifecycle property tests: a random tree, random concurrent operations on it,
/// then a teardown; it records every hook (with the cycle it ran in) and every invariant violation.
///
/// Everything runs on one dedicated thread (the services' task executor and the operations' executor
/// preference), so a run is a pure function of its inputs: the same seed gives the same log.
struct LifecycleScenario: Sendable, CustomStringConvertible {
    enum Operation: Int, CaseIterable, Sendable {
        case start, stop, restart, crash, addRuntimeDependency, removeDependency
    }

    /// For node `i + 1`, its parent is node `parents[i] % (i + 1)`; node 0 is the root.
    let parents: [Int]
    /// Each value encodes an operation, its target, and how many times it yields before it begins.
    let operations: [Int]
    /// Per-node behaviour: how many times each hook yields, whether `onStart` fails in the first cycle.
    let jitter: UInt64

    var nodeCount: Int { parents.count + 1 }

    static func decode(_ value: Int) -> (operation: Operation, target: Int, delay: Int) {
        let value = value.magnitude
        let operation = Operation.allCases[Int(value % 6)]
        return (operation, Int((value / 6) % 64), Int((value / 384) % 4))
    }

    var description: String {
        let ops = operations.map { value -> String in
            let (operation, target, delay) = Self.decode(value)
            return "\(operation)(#\(target), delay \(delay))"
        }
        return "tree parents \(parents), operations [\(ops.joined(separator: ", "))], jitter \(jitter)"
    }

    /// What a run observed.
    struct Report: Sendable {
        var log: [String]
        var violations: [String]
    }

    /// Runs the scenario; `runID` makes the service paths unique (for the shared task registry).
    func run(runID: UInt64) async throws -> Report {
        let executor = try DedicatedThreadExecutor(name: "lifecycle-prop")
        let report = try await run(runID: runID, on: executor)
        await executor.shutdown()
        return report
    }

    private func run(runID: UInt64, on executor: DedicatedThreadExecutor) async throws -> Report {
        let recorder = Recorder()
        var rng = SplitMix64(seed: jitter)
        let quiet = Logger(label: "prop") { _ in SwiftLogNoOpLogHandler() }
        let prefix = "p\(runID)-"
        var nodes: [PropertyService] = []
        for index in 0..<(nodeCount + operations.count) {
            let service = PropertyService(
                index: index, label: "\(prefix)n\(index)", recorder: recorder,
                yields: Int(rng.next() % 3), failsFirstStart: rng.next() % 8 == 0
            )
            service.lifecycle.setLogger(quiet)
            service.lifecycle.setTaskExecutor(executor)
            nodes.append(service)
        }
        for (offset, pick) in parents.enumerated() {
            let child = offset + 1
            try nodes[Int(pick.magnitude) % child].addDependency(nodes[child])
        }
        let tree = nodes
        let all = Task(executorPreference: executor) {
            var spare = nodeCount
            var running: [Task<Void, Never>] = []
            for value in operations {
                let (operation, target, delay) = Self.decode(value)
                let node = tree[target % nodeCount]
                let extra = operation == .addRuntimeDependency ? tree[spare] : nil
                if extra != nil { spare += 1 }
                running.append(
                    Task(executorPreference: executor) {
                        for _ in 0..<delay { await Task.yield() }
                        await Self.perform(operation, on: node, extra: extra, root: tree[0])
                    })
            }
            for task in running { await task.value }
        }
        await all.value

        var violations = recorder.violations
        for node in nodes {
            let machine = node.lifecycle.machine
            switch machine.phase {
            case .initial, .running, .shutdown: break
            case .starting, .stopping: violations.append("n\(node.index) still \(machine.phase) after every call returned")
            }
            if node.lifecycle.suspendedWaiters != 0 {
                violations.append("n\(node.index) has \(node.lifecycle.suspendedWaiters) suspended waiter(s)")
            }
        }
        // Teardown: stop everything (the root first, as a Worker would; then whatever a restart left running).
        await Task(executorPreference: executor) {
            for node in tree { await node.stop() }
        }.value
        for node in nodes {
            if node.lifecycle.machine.phase != .shutdown {
                violations.append("n\(node.index) is \(node.lifecycle.machine.phase) after its stop")
            }
            if !node.ownedTasks.isEmpty {
                violations.append("n\(node.index) still owns \(node.ownedTasks.map(\.name)) after its stop")
            }
        }
        var registries: [ObjectIdentifier: TaskRegistry] = [:]
        for node in nodes { registries[ObjectIdentifier(node.lifecycle.tree.tasks)] = node.lifecycle.tree.tasks }
        let leftovers = registries.values.flatMap { $0.liveTasks() }.filter { $0.servicePath?.contains(prefix) == true }
        if !leftovers.isEmpty {
            violations.append("live tasks in the registry after the teardown: \(leftovers.map(\.name))")
        }
        violations += Self.hookOrderViolations(recorder.hooks)
        return Report(log: recorder.log, violations: violations)
    }

    static func perform(_ operation: Operation, on node: PropertyService, extra: PropertyService?, root: any Service)
        async
    {
        switch operation {
        case .start: _ = try? await node.start()
        case .stop:
            let cycle = node.restartCount
            await node.stop()
            // stop() returns once the stop has finished (unless a restart has begun a new cycle since).
            if node.restartCount == cycle && node.lifecycle.machine.phase != .shutdown {
                node.recorder.violation("stop() of n\(node.index) returned in \(node.lifecycle.machine.phase)")
            }
        case .restart: _ = try? await node.restart()
        case .crash: node.crash(Boom(what: "injected"))
        case .addRuntimeDependency:
            if let extra { _ = try? await node.addRuntimeDependency(extra) }
        case .removeDependency:
            if let child = node.children.first { await node.removeDependency(child) }
        }
    }

    /// Mode's order within one cycle of one service: `onRestart` (after a reset), `onFirstStart` (first cycle
    /// only), `onStart`, `onStarted`, `onStop`, `onShutdown`; each at most once; `onStop` and `onShutdown`
    /// together or not at all (every stop runs to its end).
    static func hookOrderViolations(_ hooks: [Recorder.Hook]) -> [String] {
        let order = ["onRestart", "onFirstStart", "onStart", "onStarted", "onStop", "onShutdown"]
        var byCycle: [String: [String]] = [:]
        var keys: [String] = []
        for hook in hooks {
            let key = "n\(hook.node) cycle \(hook.cycle)"
            if byCycle[key] == nil { keys.append(key) }
            byCycle[key, default: []].append(hook.name)
        }
        var violations: [String] = []
        for key in keys {
            let names = byCycle[key] ?? []
            let ranks = names.map { order.firstIndex(of: $0) ?? -1 }
            let firstCycle = key.hasSuffix(" cycle 0")
            var problems: [String] = []
            if ranks != ranks.sorted() || Set(ranks).count != ranks.count { problems.append("out of order or repeated") }
            if names.contains("onStop") != names.contains("onShutdown") { problems.append("a stop did not finish") }
            if names.contains("onStarted") && !names.contains("onStart") { problems.append("onStarted without onStart") }
            if firstCycle && names.contains("onRestart") { problems.append("onRestart in the first cycle") }
            if !firstCycle && names.contains("onFirstStart") { problems.append("onFirstStart after a restart") }
            if !problems.isEmpty {
                violations.append("\(key): \(names.joined(separator: ", ")) (\(problems.joined(separator: "; ")))")
            }
        }
        return violations
    }
}

/// The property tests' service: records its hooks with their cycle, yields in each, owns one task.
final class PropertyService: Service {
    let lifecycle: ServiceLifecycleState
    let index: Int
    let recorder: LifecycleScenario.Recorder
    let yields: Int
    let failsFirstStart: Bool

    init(index: Int, label: String, recorder: LifecycleScenario.Recorder, yields: Int, failsFirstStart: Bool) {
        lifecycle = ServiceLifecycleState(label: label)
        self.index = index
        self.recorder = recorder
        self.yields = yields
        self.failsFirstStart = failsFirstStart
    }

    var tasks: [ServiceTask] {
        [
            .task("work") {
                if let executor = self.lifecycle.ownTaskExecutor as? DedicatedThreadExecutor, !executor.isCurrentThread {
                    self.recorder.violation("n\(self.index) task ran off the run's thread")
                }
                self.recorder.record(node: self.index, "task started", cycle: self.restartCount)
                await waitForever()
            }
        ]
    }

    private func hit(_ name: String) async {
        if let executor = lifecycle.ownTaskExecutor as? DedicatedThreadExecutor, !executor.isCurrentThread {
            recorder.violation("n\(index).\(name) ran off the run's thread")
        }
        recorder.hook(node: index, name, cycle: restartCount)
        for _ in 0..<yields { await Task.yield() }
    }

    func onFirstStart() async throws { await hit("onFirstStart") }
    func onStart() async throws {
        await hit("onStart")
        if failsFirstStart && restartCount == 0 { throw Boom(what: "start failure") }
    }
    func onStarted() async throws { await hit("onStarted") }
    func onStop() async throws {
        recorder.stopBegan(node: index)
        await hit("onStop")
        recorder.childrenStepBegins(node: index)
    }
    func onShutdown() async throws {
        // The stop has cancelled and awaited this service's tasks: none may be left.
        if !ownedTasks.isEmpty {
            recorder.violation("n\(index): tasks \(ownedTasks.map(\.name)) outlived the stop (cycle \(restartCount))")
        }
        // It has also waited for every child's stop that was in flight when its children step began.
        for case let child as PropertyService in children where child.lifecycle.stopStep != nil {
            if recorder.stopBegan(child.index, before: index) {
                recorder.violation("n\(index) finished its stop while child n\(child.index)'s earlier stop was in flight")
            }
        }
        await hit("onShutdown")
    }
    func onRestart() async throws { await hit("onRestart") }
}

extension LifecycleScenario {
    /// The run's log, hooks and violations (written from the run's one thread, read after it).
    final class Recorder: Sendable {
        struct Hook: Sendable {
            var node: Int
            var name: String
            var cycle: Int
        }

        private struct State {
            var log: [String] = []
            var hooks: [Hook] = []
            var violations: [String] = []
            var clock = 0
            /// When each node's latest stop began, and when its latest children step began.
            var stopBegan: [Int: Int] = [:]
            var childrenStep: [Int: Int] = [:]
        }

        private let state = Mutex(State())

        func hook(node: Int, _ name: String, cycle: Int) {
            state.withLock { state in
                state.hooks.append(Hook(node: node, name: name, cycle: cycle))
                state.log.append("n\(node).\(name)#\(cycle)")
            }
        }

        func record(node: Int, _ event: String, cycle: Int) {
            state.withLock { $0.log.append("n\(node) \(event)#\(cycle)") }
        }

        func stopBegan(node: Int) {
            state.withLock { state in
                state.clock += 1
                state.stopBegan[node] = state.clock
            }
        }

        func childrenStepBegins(node: Int) {
            state.withLock { state in
                state.clock += 1
                state.childrenStep[node] = state.clock
            }
        }

        /// Whether `child`'s latest stop began before `parent`'s latest children step.
        func stopBegan(_ child: Int, before parent: Int) -> Bool {
            state.withLock { state in
                guard let began = state.stopBegan[child], let step = state.childrenStep[parent] else { return false }
                return began < step
            }
        }

        func violation(_ text: String) {
            state.withLock { $0.violations.append(text) }
        }

        var log: [String] { state.withLock { $0.log } }
        var hooks: [Hook] { state.withLock { $0.hooks } }
        var violations: [String] { state.withLock { $0.violations } }
    }
}
