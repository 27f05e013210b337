import CModeSupport

#if canImport(Glibc)
import Glibc
#endif

/// Reads a Swift task's flags and swift-mode's task-local from the task object, by the task's address, without
/// a signal and without touching the thread that runs it.
///
/// A thread blocked in the kernel is captured without a signal (``StackCapture``), so the signal handler that
/// reads the running task's task-local (``RunningTask/scopeID``) never runs there; the executor's job names
/// the task instead, and this reads the task-local registered with ``StackCapture/readScope(_:)`` from that
/// task's task-local storage: the task's `TaskLocal::Storage` head, then its items (a child task's chain goes
/// on into its parent's; a `Task {}` holds copies). Every load is a checked read of our own memory
/// (`process_vm_readv`), the walk is bounded and stops on anything implausible, and the task is re-read after
/// the walk, so a task that ends meanwhile gives no value, never a crash.
///
/// The layouts are private to the Swift runtime, so the reader is off until a start-up self-check proves them
/// (``startSelfCheck()``, run by ``StackCapture/readScope(_:)`` and ``StallWatchdog/start()``): a probe task
/// binds a task-local, starts an `async let` child, a task-group child, a `Task {}` and a `Task.detached`, and
/// every one is read back by address; one mismatch and the reader stays off, with the reason in
/// ``availability``. `MODE_DISABLE_TASK_OBJECT_READ=1` in the environment keeps it off.
///
/// ```swift
/// TaskObjectReader.startSelfCheck()
/// if case .task(let task) = TaskObjectReader.read(taskAddress: jobAddress) {
///     print("task-local value \(task.scopeID.map(String.init) ?? "-")")
/// }
/// ```
package enum TaskObjectReader {
    /// Whether reads are enabled.
    package enum Availability: Sendable, Equatable {
        /// The self-check has not finished (or not started).
        case unchecked
        /// The self-check passed: reads are on.
        case available
        /// The self-check failed: reads are off, for this reason.
        case unavailable(String)
    }

    /// What a read found.
    package enum Reading: Sendable, Equatable {
        /// The address holds a live task: its flags, and the task-local's value when it is bound.
        case task(RunningTask)
        /// The address holds no task (unreadable, another kind of job, a task that ended), or its task-local
        /// storage looked implausible: nothing is known.
        case noTask
        /// Reads are off (``Availability``): the reason.
        case unavailable(String)
    }

    /// What the self-check learned: the heap metadata of task objects and the type metadata of `UInt64?`.
    struct Layout: Sendable, Equatable {
        var taskMetadata: UInt
        var valueType: UInt
    }

    typealias State = ProvenLayout<Layout>.State

    /// Process-wide, as what it records is: the Swift runtime's layouts (one runtime per process).
    private static let proof = ProvenLayout<Layout> { await runSelfCheck() }

    /// Whether reads are on; ``Availability/unchecked`` until the self-check has finished.
    ///
    /// ```swift
    /// if case .unavailable(let why) = TaskObjectReader.availability { print(why) }
    /// ```
    package static var availability: Availability { proof.availability }

    /// Starts the self-check in a detached task, once per process; returns at once.
    ///
    /// ```swift
    /// TaskObjectReader.startSelfCheck()
    /// ```
    package static func startSelfCheck() { proof.start() }

    /// Runs the self-check now (unless it has finished) and returns the availability it establishes.
    ///
    /// ```swift
    /// #expect(await TaskObjectReader.selfCheck() == .available)
    /// ```
    package static func selfCheck() async -> Availability { await proof.run() }

    /// Why reads are off by request: `MODE_DISABLE_TASK_OBJECT_READ=1` in the environment (to compare, or should
    /// a runtime pass the self-check and still misbehave).
    static var disabledByEnvironment: String? {
        let value = getenv("MODE_DISABLE_TASK_OBJECT_READ").map { String(cString: $0) } ?? ""
        return value.isEmpty || value == "0" ? nil : "disabled by MODE_DISABLE_TASK_OBJECT_READ"
    }

    /// Reads the task at `taskAddress` (an executor's job address) and the task-local registered with
    /// ``StackCapture/readScope(_:)``.
    ///
    /// ```swift
    /// let reading = TaskObjectReader.read(taskAddress: job)
    /// ```
    package static func read(taskAddress: UInt) -> Reading {
        let key = c_mode_task_clues_scope_key().map { UInt(bitPattern: $0) } ?? 0
        return read(taskAddress: taskAddress, keyAddress: key)
    }

    /// Reads the task at `taskAddress` and the value `local` has in it.
    ///
    /// ```swift
    /// enum Work { @TaskLocal static var id: UInt64? }
    /// let reading = TaskObjectReader.read(taskAddress: address, local: Work.$id)
    /// ```
    package static func read(taskAddress: UInt, local: TaskLocal<UInt64?>) -> Reading {
        read(taskAddress: taskAddress, keyAddress: keyAddress(local))
    }

    private static func read(taskAddress: UInt, keyAddress: UInt) -> Reading {
        let layout: Layout
        switch proof.state {
        case .proven(let proven): layout = proven
        case .unchecked, .checking: return .unavailable("the start-up self-check has not finished")
        case .failed(let reason): return .unavailable(reason)
        case .inconclusive(let reason):
            proof.start()  // checked again, in the background
            return .unavailable(ProvenLayout<Layout>.inconclusiveReason(reason))
        }
        return read(taskAddress: taskAddress, keyAddress: keyAddress, layout: layout)
    }

    static func read(taskAddress: UInt, keyAddress: UInt, layout: Layout) -> Reading {
        var clues = c_mode_task_clues()
        let status = c_mode_task_object_read(taskAddress, keyAddress, layout.taskMetadata, layout.valueType, &clues)
        guard status == C_MODE_TASK_OBJECT_OK, let task = RunningTask(clues) else { return .noTask }
        return .task(task)
    }

    static func keyAddress(_ local: TaskLocal<UInt64?>) -> UInt {
        UInt(bitPattern: Unmanaged.passUnretained(local).toOpaque())
    }

    // MARK: - Self-check

    /// The task-local the probe binds (of the type swift-mode's task id has: the value type must match).
    private enum Probe {
        @TaskLocal static var value: UInt64?
    }

    /// The probe's value: improbable by chance ("modeprob").
    private static let probeValue: UInt64 = 0x6D6F_6465_7072_6F62

    /// Reads, in a probe task that binds ``Probe/value``, the probe, an `async let` child, a task-group child
    /// and a `Task {}` created in it (each by address), a `Task.detached` (no value) and garbage addresses
    /// (nothing): the layout is proven only when every read is right.
    static func runSelfCheck() async -> State {
        await Task.detached { () async -> State in
            await Probe.$value.withValue(probeValue) { () async -> State in
                let key = keyAddress(Probe.$value)
                let parent = UInt(c_mode_current_swift_task())
                var taskMetadata: UInt = 0
                var valueType: UInt = 0
                guard parent != 0, c_mode_task_object_probe(parent, key, &taskMetadata, &valueType) != 0 else {
                    return .failed("the probe task could not be read")
                }
                let optionalUInt64 = unsafeBitCast(UInt64?.self as Any.Type, to: UInt.self)
                guard valueType == optionalUInt64 else {
                    return .failed(valueType == 0
                        ? "the probe's task-local was not found in its task object (layout changed?)"
                        : "the probe's task-local item has an unexpected value type (layout changed?)")
                }
                let layout = Layout(taskMetadata: taskMetadata, valueType: valueType)
                var failures: [String] = []
                failures += check("the probe task", parent, layout, expect: probeValue, relation: .unstructured)

                async let asyncLetChild = checkCurrent("an async let child", parent: parent, layout, .asyncLetChild)
                failures += await asyncLetChild
                failures += await withTaskGroup(of: [String].self) { group in
                    group.addTask { checkCurrent("a task-group child", parent: parent, layout, .groupChild) }
                    return await group.reduce(into: []) { $0 += $1 }
                }
                failures += await Task { checkCurrent("a Task {}", parent: nil, layout, .unstructured) }.value
                failures += await Task.detached {
                    let own = UInt(c_mode_current_swift_task())
                    return check("a Task.detached", own, layout, expect: nil, relation: .unstructured)
                }.value
                for garbage: UInt in [0, 1, 0x10, parent + 1, UInt(bitPattern: -4096)] {
                    var clues = c_mode_task_clues()
                    if c_mode_task_object_read(garbage, key, taskMetadata, valueType, &clues) == C_MODE_TASK_OBJECT_OK {
                        failures.append("a garbage address (0x\(String(garbage, radix: 16))) read as a task")
                    }
                }
                return failures.isEmpty ? .proven(layout) : .failed(failures.joined(separator: "; "))
            }
        }.value
    }

    /// Checks the current task (and its parent, suspended meanwhile) by address.
    private static func checkCurrent(_ name: String, parent: UInt?, _ layout: Layout,
                                     _ relation: RunningTask.Relation) -> [String] {
        let own = UInt(c_mode_current_swift_task())
        var failures = check(name, own, layout, expect: probeValue, relation: relation)
        if let parent {
            failures += check("the probe task while \(name) runs", parent, layout, expect: probeValue,
                              relation: .unstructured)
        }
        return failures
    }

    private static func check(_ name: String, _ address: UInt, _ layout: Layout, expect: UInt64?,
                              relation: RunningTask.Relation) -> [String] {
        guard address != 0 else { return ["\(name) has no task"] }
        var clues = c_mode_task_clues()
        let status = c_mode_task_object_read(address, keyAddress(Probe.$value), layout.taskMetadata,
                                             layout.valueType, &clues)
        guard status == C_MODE_TASK_OBJECT_OK, let task = RunningTask(clues) else {
            let why = status == C_MODE_TASK_OBJECT_NOT_A_TASK ? "not a task" : "implausible task-local storage"
            return ["\(name) was not read (\(why))"]
        }
        var failures: [String] = []
        if task.scopeID != expect {
            failures.append("\(name) read \(task.scopeID.map { "0x" + String($0, radix: 16) } ?? "no value")")
        }
        if task.relation != relation { failures.append("\(name) read as \(task.relation.rawValue)") }
        return failures
    }
}
