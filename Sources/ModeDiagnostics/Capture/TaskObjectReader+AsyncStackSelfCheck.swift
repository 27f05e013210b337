import CModeSupport
import Synchronization

extension TaskObjectReader {
    /// Proves `layout` with probe tasks suspended in known functions: in `Task.sleep`, in a checked
    /// continuation, awaiting an `async let` child and inside an actor's method; each must read as suspended
    /// with a complete chain whose symbolicated frames name its probe function. A running task must read as
    /// running, a completed one as ended, garbage addresses as no task. One mismatch and reads stay off.
    ///
    /// Costs four short-lived tasks (suspended, never blocking a thread) and the symbolication of their
    /// continuations, once per process. Each probe is read until proven or for `patience` (a probe reaches
    /// its await within milliseconds; the margin is for a machine too busy to run it soon).
    static func runAsyncStackSelfCheck(layout: AsyncLayout, patience: Duration = .seconds(10)) async -> AsyncState {
        // The walk accepts only continuations inside a loaded module: the module table must exist.
        Symbolicator.shared.prepareModules()
        return await Task.detached { () async -> AsyncState in
            let own = UInt(c_mode_current_swift_task())
            var metadata: UInt = 0
            var valueType: UInt = 0
            guard own != 0, c_mode_task_object_probe(own, 0, &metadata, &valueType) != 0, metadata != 0 else {
                return .failed("the probe task could not be read")
            }
            var failures: [String] = []
            let running = readAsyncStack(taskAddress: own, layout: layout, taskMetadata: metadata)
            if running != .running { failures.append("a running task read as \(AsyncStackProbe.describe(running))") }

            failures += await AsyncStackProbe.check(
                "a task in Task.sleep", function: "asyncStackProbeSleeping", layout: layout, metadata: metadata,
                patience: patience
            ) { _ in await AsyncStackProbe.asyncStackProbeSleeping() }
            failures += await AsyncStackProbe.check(
                "a task awaiting a continuation", function: "asyncStackProbeContinuation", layout: layout,
                metadata: metadata, patience: patience
            ) { gate in await AsyncStackProbe.asyncStackProbeContinuation(gate) }
            failures += await AsyncStackProbe.check(
                "a task awaiting an async let child", function: "asyncStackProbeAwaitingChild", layout: layout,
                metadata: metadata, patience: patience
            ) { _ in await AsyncStackProbe.asyncStackProbeAwaitingChild() }
            failures += await AsyncStackProbe.check(
                "a task suspended in an actor", function: "asyncStackProbeInActor", layout: layout,
                metadata: metadata, patience: patience
            ) { gate in await AsyncStackProbe.Isolated().asyncStackProbeInActor(gate) }

            let ended = Task.detached { UInt(c_mode_current_swift_task()) }
            let endedAddress = await ended.value
            // `ended` (the handle) keeps the completed task's object alive for this read.
            let endedRead = withExtendedLifetime(ended) {
                readAsyncStack(taskAddress: endedAddress, layout: layout, taskMetadata: metadata)
            }
            if endedRead != .ended { failures.append("a completed task read as \(AsyncStackProbe.describe(endedRead))") }
            for garbage: UInt in [0, 1, 0x10, own + 8, UInt(bitPattern: -4096)] {
                let read = readAsyncStack(taskAddress: garbage, layout: layout, taskMetadata: metadata)
                if read != .noTask {
                    failures.append("a garbage address (0x\(String(garbage, radix: 16))) read as \(AsyncStackProbe.describe(read))")
                }
            }
            if failures.isEmpty { return .proven(AsyncProof(layout: layout, taskMetadata: metadata)) }
            // Only probes that never ran (the pool was busy for the whole patience): nothing was disproven.
            if failures.allSatisfy({ $0.hasSuffix(AsyncStackProbe.neverStarted) }) {
                return .inconclusive(failures.joined(separator: "; "))
            }
            return .failed(failures.joined(separator: "; "))
        }.value
    }
}

/// The probe tasks of the async-stack self-check and the functions they suspend in (never inlined: their
/// names are what the check looks for).
enum AsyncStackProbe {
    /// Hands the probe task's address to the checker and releases a probe parked on a continuation.
    final class Gate: Sendable {
        private struct State {
            var address: UInt?
            var parked: CheckedContinuation<Void, Never>?
            var released = false
        }

        private let state = Mutex(State())

        var address: UInt? { state.withLock { $0.address } }

        func enter() {
            let own = UInt(c_mode_current_swift_task())
            state.withLock { $0.address = own }
        }

        func park(_ continuation: CheckedContinuation<Void, Never>) {
            let resumeNow = state.withLock { state -> Bool in
                if state.released { return true }
                state.parked = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }

        func release() {
            let parked = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.released = true
                defer { state.parked = nil }
                return state.parked
            }
            parked?.resume()
        }
    }

    actor Isolated {
        @inline(never)
        func asyncStackProbeInActor(_ gate: Gate) async {
            await withCheckedContinuation { gate.park($0) }
            blackHole(self)
        }
    }

    @inline(never)
    static func asyncStackProbeSleeping() async {
        try? await Task.sleep(for: .seconds(120))
        blackHole(0)
    }

    @inline(never)
    static func asyncStackProbeContinuation(_ gate: Gate) async {
        await withCheckedContinuation { gate.park($0) }
        blackHole(gate)
    }

    @inline(never)
    static func asyncStackProbeAwaitingChild() async {
        async let child: Void = asyncStackProbeSleeping()
        await child
        blackHole(1)
    }

    /// How a probe that never got a thread within its patience ends its failure line.
    static let neverStarted = "never started"

    @inline(never)
    static func blackHole<T>(_ value: T) {
        withExtendedLifetime(value) {}
    }

    /// Runs `body` in a probe task and reads it until its chain names `function` (the task reaches its await
    /// within a few milliseconds; `patience` at most), then releases it (resume and cancel) and waits for its
    /// end.
    static func check(
        _ what: String, function: String, layout: TaskObjectReader.AsyncLayout, metadata: UInt, patience: Duration,
        body: @escaping @Sendable (Gate) async -> Void
    ) async -> [String] {
        let gate = Gate()
        let probe = Task.detached {
            gate.enter()
            await body(gate)
        }
        var last = neverStarted
        var proven = false
        let deadline = ContinuousClock.now + patience
        while !proven && ContinuousClock.now < deadline {
            if let address = gate.address {
                let reading = TaskObjectReader.readAsyncStack(taskAddress: address, layout: layout, taskMetadata: metadata)
                if case .suspended(let stack) = reading {
                    let frames = Symbolicator.shared.symbolicateAsyncStack(stack.continuations)
                    let names = frames.map { $0.symbol ?? "???" }
                    proven = stack.isComplete && names.contains { $0.contains(function) }
                    last = "read \(names.prefix(4).joined(separator: " <- "))\(stack.isComplete ? "" : " (cut)")"
                } else {
                    last = "read as \(describe(reading))"
                }
            }
            if !proven { try? await Task.sleep(for: .milliseconds(5)) }
        }
        gate.release()
        probe.cancel()
        await probe.value
        return proven ? [] : ["\(what) (in \(function)) \(last)"]
    }

    static func describe(_ reading: TaskObjectReader.AsyncStackReading) -> String {
        switch reading {
        case .suspended(let stack): "suspended (\(stack.continuations.count) continuations)"
        case .running: "running"
        case .ended: "ended"
        case .changed: "changed while read"
        case .noTask: "no task"
        case .unavailable(let why): "unavailable (\(why))"
        }
    }
}
