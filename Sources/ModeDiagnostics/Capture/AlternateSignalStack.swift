import CModeSupport

/// Alternate signal stacks, so that a stack overflow still runs the crash handler.
///
/// The Swift runtime gives only the main thread one. Call ``installForCurrentThread()`` at the start of every
/// thread you own; ``installForAllThreads()`` arms the threads that already exist (such as the cooperative
/// pool's) by asking each, through SIGPROF, to install its own.
///
/// ```swift
/// Thread { AlternateSignalStack.installForCurrentThread(); runLoop() }
/// ```
public enum AlternateSignalStack {
    /// Gives the calling thread a 64 KiB alternate signal stack (plus a guard page) unless it has one.
    /// Idempotent; after the first call it is one thread-local check. The stack is freed when the thread exits.
    ///
    /// ```swift
    /// AlternateSignalStack.installForCurrentThread()
    /// ```
    public static func installForCurrentThread() {
        _ = c_mode_altstack_install_current()
    }

    /// Whether the calling thread has an alternate signal stack.
    ///
    /// ```swift
    /// assert(AlternateSignalStack.isInstalledForCurrentThread)
    /// ```
    public static var isInstalledForCurrentThread: Bool { c_mode_altstack_present() != 0 }

    /// Asks every existing thread of the process to install its own alternate signal stack (threads that block
    /// SIGPROF are skipped). Requires ``StackCapture/install()``. Returns the number of threads armed.
    ///
    /// ```swift
    /// try StackCapture.install()
    /// let armed = AlternateSignalStack.installForAllThreads()
    /// ```
    @discardableResult
    public static func installForAllThreads(timeout: Duration = .milliseconds(100)) -> Int {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        var armed = 0
        for thread in ThreadInventory.list() where c_mode_altstack_install_thread(thread.tid, nanoseconds) == 0 {
            armed += 1
        }
        return armed
    }
}
