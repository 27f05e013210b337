#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few Swift concurrency runtime entry points a ``ServiceThread`` needs to find and cancel the tasks
/// started on its thread. They are exported ABI of `libswift_Concurrency` (the runtime's own Swift code
/// calls them); there is no public API that names the task behind an `ExecutorJob`.
enum TaskRuntime {
    /// `JobKind::Task` in the low byte of the job flags: the job *is* an `AsyncTask`.
    private static let taskKind = 0

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

    /// Whether the task at `task` (which the caller keeps alive) has been cancelled (`swift_task_isCancelled`,
    /// looked up like ``cancel(_:)``).
    static func isCancelled(_ task: UnsafeRawPointer) -> Bool {
        guard let symbol = runtimeSymbol("swift_task_isCancelled") else { return false }
        let function = unsafeBitCast(symbol, to: (@convention(c) (UnsafeRawPointer) -> Bool).self)
        return function(task)
    }

    private static func runtimeSymbol(_ name: String) -> UnsafeMutableRawPointer? {
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
