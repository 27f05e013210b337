#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few Swift concurrency runtime entry points a ``ServiceThread`` needs to find and cancel the tasks
/// started on its thread, and ``CurrentTask`` to read the running task without retaining it. They are exported
/// ABI of `libswift_Concurrency` (the runtime's own Swift code calls them); there is no public API that names
/// the task behind an `ExecutorJob`.
///
/// They are private runtime interfaces, so they are used only behind a self-check (``isUsable`` here,
/// ``CurrentTask``'s own for its two), run once per process on first use: on a runtime where they do not
/// behave as expected, a ``ServiceThread``'s stop falls back to cancelling the tasks the service API tracks
/// (mode's sweep of untracked tasks is skipped).
enum TaskRuntime {
    /// `JobKind::Task` in the low byte of the job flags: the job *is* an `AsyncTask`.
    private static let taskKind = 0

    /// Whether the entry points behave on the running runtime: checked once, on a probe task of our own
    /// (its job kind, a non-zero id distinct from another task's, and cancellation seen both ways).
    static let isUsable: Bool = selfCheck()

    private static func selfCheck() -> Bool {
        guard runtimeSymbol("swift_task_cancel") != nil, isCancelledEntry != nil else {
            return false
        }
        let probe = Task.detached { while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) } }
        let other = Task.detached {}
        defer { probe.cancel() }
        // A `Task` handle is the task's reference (one pointer): the runtime's AsyncTask, which is its job.
        let pointer = unsafeBitCast(probe, to: UnsafeRawPointer.self)
        let otherPointer = unsafeBitCast(other, to: UnsafeRawPointer.self)
        let job = unsafeBitCast(pointer, to: UnownedJob.self)
        guard isTask(job), isTask(unsafeBitCast(otherPointer, to: UnownedJob.self)) else { return false }
        let id = taskID(of: job)
        guard id != 0, id != taskID(of: unsafeBitCast(otherPointer, to: UnownedJob.self)) else { return false }
        guard !isCancelled(pointer), !probe.isCancelled else { return false }
        cancel(pointer)
        return probe.isCancelled && isCancelled(pointer)
    }

    static func isTask(_ job: UnownedJob) -> Bool {
        swiftTaskGetJobFlags(job) & 0xFF == taskKind
    }

    /// The task's id (unique for the process's lifetime, unlike its address).
    static func taskID(of job: UnownedJob) -> UInt64 {
        swiftTaskGetJobTaskId(job)
    }

    static func pointer(of job: UnownedJob) -> UnsafeRawPointer {
        unsafeBitCast(job, to: UnsafeRawPointer.self)
    }

    /// Cancels the task at `task` (which the caller keeps alive), as `Task.cancel()` would.
    ///
    /// `swift_task_cancel(AsyncTask *)` is looked up with `dlsym` (the compiler reserves the name for its
    /// own use): a swiftcc function whose only parameter is a pointer is called like a C function on the
    /// supported platforms (the argument travels in the first integer register either way).
    static func cancel(_ task: UnsafeRawPointer) {
        guard let symbol = runtimeSymbol("swift_task_cancel") else { return }
        let function = unsafeBitCast(symbol, to: (@convention(c) (UnsafeRawPointer) -> Void).self)
        function(task)
    }

    /// Whether the task at `task` (which the caller keeps alive) has been cancelled (`swift_task_isCancelled`).
    static func isCancelled(_ task: UnsafeRawPointer) -> Bool {
        isCancelledEntry?(task) ?? false
    }

    /// `bool swift_task_isCancelled(AsyncTask *)`, looked up once like ``cancel(_:)``'s entry point (`nil` when
    /// the runtime lacks it).
    static let isCancelledEntry: (@convention(c) (UnsafeRawPointer) -> Bool)? = runtimeSymbol(
        "swift_task_isCancelled"
    ).map { unsafeBitCast($0, to: (@convention(c) (UnsafeRawPointer) -> Bool).self) }

    /// `AsyncTask *swift_task_getCurrent(void)` (unretained), looked up once; a swiftcc function without
    /// parameters is called like a C function.
    static let currentTaskEntry: (@convention(c) () -> UnsafeRawPointer?)? = runtimeSymbol(
        "swift_task_getCurrent"
    ).map { unsafeBitCast($0, to: (@convention(c) () -> UnsafeRawPointer?).self) }

    /// A symbol of the running process (`dlsym(RTLD_DEFAULT, name)`).
    static func runtimeSymbol(_ name: String) -> UnsafeMutableRawPointer? {
        #if os(Linux)
        let everywhere: UnsafeMutableRawPointer? = nil  // RTLD_DEFAULT
        #else
        let everywhere = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT
        #endif
        return dlsym(everywhere, name)
    }
}

@_silgen_name("swift_task_getJobFlags")
private func swiftTaskGetJobFlags(_ job: UnownedJob) -> Int

@_silgen_name("swift_task_getJobTaskId")
private func swiftTaskGetJobTaskId(_ job: UnownedJob) -> UInt64
