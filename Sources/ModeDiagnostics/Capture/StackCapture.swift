import CModeSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Captures native stacks: of any thread of this process, or of the caller.
///
/// A thread blocked in the kernel (sleeping, waiting on a lock, a semaphore, `poll`, `read`) is captured
/// without a signal, so the call it waits in is not cut short: its stack and instruction pointers are read
/// from `/proc/self/task/TID/syscall` and our own memory, and unwound with libunwind's remote interface
/// (``Unwinder/libunwindRemote``). A running thread is not in a system call, so it is sent SIGPROF, whose
/// handler unwinds it from its signal context (``Unwinder/libunwind``). libunwind is loaded at run time with
/// `dlopen`, never linked; without it (or with `MODE_DISABLE_LIBUNWIND=1` in the environment at install) a
/// frame-pointer walk is used and the stack's ``RawStack/note`` says so. `MODE_CAPTURE_WITH_SIGNAL=1` at
/// install sends the signal to blocked threads too (the former behaviour).
///
/// ```swift
/// try StackCapture.install()
/// let stack = try StackCapture.capture(threadID: stalledThreadID)
/// for frame in Symbolicator.shared.symbolicate(stack) { print(frame.render()) }
/// ```
public enum StackCapture {
    private static let installed = Atomic<Bool>(false)
    private static let installLock = Mutex<Void>(())

    /// Installs the SIGPROF handler, loads libunwind and warms its caches. Idempotent; cheap after the first call.
    ///
    /// ```swift
    /// try StackCapture.install()
    /// ```
    public static func install() throws {
        if installed.load(ordering: .acquiring) { return }
        try installLock.withLock { _ in
            if installed.load(ordering: .acquiring) { return }
            let disable = getenv("MODE_DISABLE_LIBUNWIND").map { String(cString: $0) } ?? ""
            let disabled = !disable.isEmpty && disable != "0"
            let result = c_mode_capture_install(disabled ? 1 : 0)
            guard result == 0 else {
                throw StackCaptureError(code: .notInstalled, message: "sigaction(SIGPROF) failed: errno \(result)")
            }
            _ = c_mode_modules_refresh()
            AlternateSignalStack.installForCurrentThread()
            installed.store(true, ordering: .releasing)
        }
    }

    /// Whether ``install()`` succeeded.
    ///
    /// ```swift
    /// if !StackCapture.isInstalled { try StackCapture.install() }
    /// ```
    public static var isInstalled: Bool { installed.load(ordering: .acquiring) }

    /// The unwinder captures will use: ``Unwinder/libunwind`` when it loaded, else ``Unwinder/framePointer``.
    ///
    /// ```swift
    /// logger.info("native stacks via \(StackCapture.preferredUnwinder)")
    /// ```
    public static var preferredUnwinder: Unwinder { c_mode_libunwind_loaded() != 0 ? .libunwind : .framePointer }

    /// SIGPROF requests whose handler ran after their requester gave up: dropped by the generation check
    /// instead of overwriting a newer capture.
    ///
    /// ```swift
    /// let dropped = StackCapture.staleSignalCount
    /// ```
    public static var staleSignalCount: UInt64 { c_mode_capture_stale_signal_count() }

    /// Why libunwind is not used, `nil` when it is.
    ///
    /// ```swift
    /// if let why = StackCapture.libunwindStatus { logger.warning("\(why)") }
    /// ```
    public static var libunwindStatus: String? {
        let status = String(cString: c_mode_libunwind_status())
        return status.isEmpty ? nil : status
    }

    /// Why blocked threads are captured with the signal too, `nil` when they are captured without one.
    ///
    /// ```swift
    /// if let why = StackCapture.signalFreeCaptureStatus { logger.notice("\(why)") }
    /// ```
    public static var signalFreeCaptureStatus: String? {
        let status = String(cString: c_mode_capture_blocked_status())
        return status.isEmpty ? nil : status
    }

    /// Captures the native stack of thread `threadID` (a kernel tid, as in `/proc/self/task`).
    ///
    /// A thread blocked in the kernel is read without a signal (its wait goes on undisturbed); a running one
    /// is sent SIGPROF. Capturing the calling thread is allowed and is done directly, without a signal.
    ///
    /// ```swift
    /// let stack = try StackCapture.capture(threadID: tid, timeout: .milliseconds(100))
    /// ```
    /// - Throws: ``StackCaptureError`` with ``StackCaptureError/Code/notInstalled``,
    ///   ``StackCaptureError/Code/noSuchThread``, ``StackCaptureError/Code/timedOut`` or
    ///   ``StackCaptureError/Code/busy``.
    public static func capture(threadID: Int32, timeout: Duration = .milliseconds(250)) throws -> RawStack {
        if threadID == ThreadInventory.currentThreadID() { return captureCurrentThread(skipping: 1) }
        guard isInstalled else {
            throw StackCaptureError(code: .notInstalled, message: "StackCapture.install() has not been called")
        }
        if let stack = try captureBlocked(threadID: threadID) { return stack }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        var sendErrno: Int32 = 0
        var task = c_mode_task_clues()
        var output = ThreadCaptureBuffers()
        let capacity = Int32(ThreadCaptureBuffers.capacity)
        let result = c_mode_capture_thread_async(
            threadID, nanoseconds, output.frames, capacity, &output.count, &output.unwinder, &sendErrno,
            output.asyncFrames, capacity, &output.asyncCount, &output.asyncAfter, &task)
        switch result {
        case Int32(C_MODE_CAPTURE_OK): break
        case Int32(C_MODE_CAPTURE_NOT_INSTALLED):
            throw StackCaptureError(code: .notInstalled, message: "the SIGPROF handler is not installed")
        case Int32(C_MODE_CAPTURE_NO_SUCH_THREAD):
            throw StackCaptureError(code: .noSuchThread, message: "no thread \(threadID) in this process")
        case Int32(C_MODE_CAPTURE_TIMED_OUT):
            throw StackCaptureError(
                code: .timedOut, message: "thread \(threadID) did not run the SIGPROF handler within \(timeout)")
        case Int32(C_MODE_CAPTURE_BUSY):
            throw StackCaptureError(code: .busy, message: "an abandoned capture is still being written")
        default:
            throw StackCaptureError(code: .failed, message: "rt_tgsigqueueinfo failed: errno \(sendErrno)")
        }
        var stack = makeStack(output.addresses, unwinder: Unwinder(cValue: output.unwinder), exactPC: true)
        stack.runningTask = RunningTask(task)
        output.attachAsyncCallers(to: &stack)
        return stack
    }

    /// The stack of a thread blocked in the kernel, read without a signal; `nil` when the thread is running
    /// (or the method is unavailable) and the signal must be used.
    private static func captureBlocked(threadID: Int32) throws -> RawStack? {
        var flags: Int32 = 0
        var output = ThreadCaptureBuffers()
        let capacity = Int32(ThreadCaptureBuffers.capacity)
        let result = c_mode_capture_blocked(
            threadID, output.frames, capacity, &output.count, &output.unwinder, output.asyncFrames, capacity,
            &output.asyncCount, &output.asyncAfter, &flags)
        switch result {
        case Int32(C_MODE_BLOCKED_OK): break
        case Int32(C_MODE_BLOCKED_NO_SUCH_THREAD):
            throw StackCaptureError(code: .noSuchThread, message: "no thread \(threadID) in this process")
        default: return nil
        }
        var stack = makeStack(output.addresses, unwinder: Unwinder(cValue: output.unwinder), exactPC: true)
        if flags & Int32(C_MODE_BLOCKED_FLAG_MOVED) != 0 {
            let moved = "the thread kept waking up while its stack was read: frames may mix two moments"
            stack.note = stack.note.map { "\($0); \(moved)" } ?? moved
        }
        output.attachAsyncCallers(to: &stack)
        return stack
    }

    /// Captures the calling thread's stack, starting at the caller of this function.
    ///
    /// ```swift
    /// let here = StackCapture.captureCurrentThread()
    /// ```
    /// - Parameter skipping: further innermost frames to drop (e.g. your own helper functions).
    @inline(never)
    public static func captureCurrentThread(skipping: Int = 0) -> RawStack {
        var unwinder: Int32 = 0
        let capacity = Int(C_MODE_MAX_FRAMES)
        // Called directly from this function (no closure in between), so frame 0 of the C capture is a return
        // address in this function: drop it and `skipping` more.
        let buffer = UnsafeMutablePointer<UInt>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        let count = c_mode_capture_current(Int32(1 + max(0, skipping)), buffer, Int32(capacity), &unwinder)
        let addresses = Array(UnsafeBufferPointer(start: buffer, count: Int(max(0, count))))
        var stack = makeStack(addresses, unwinder: Unwinder(cValue: unwinder), exactPC: false)
        var clues = c_mode_task_clues()
        c_mode_task_clues_read(&clues)
        stack.runningTask = RunningTask(clues)
        return stack
    }

    /// Makes every capture also read `local` in the captured thread's task (``RunningTask/scopeID``): a task
    /// id that child tasks and `Task {}` inherit, so a stall in them can be attributed to the task that
    /// created them. One task-local at a time; the Worker registers `TaskRegistry.$currentTaskID`.
    ///
    /// A thread blocked in the kernel is read without a signal, so the task-local is then read from the task
    /// object the executor's job names (``TaskObjectReader``); a key starts that reader's start-up self-check.
    ///
    /// ```swift
    /// enum Work { @TaskLocal static var id: UInt64? }
    /// StackCapture.readScope(Work.$id)
    /// ```
    public static func readScope(_ local: TaskLocal<UInt64?>?) {
        c_mode_task_clues_set_scope_key(local.map { UnsafeRawPointer(Unmanaged.passUnretained($0).toOpaque()) })
        if local != nil { TaskObjectReader.startSelfCheck() }
    }

    private static func makeStack(_ addresses: [UInt], unwinder: Unwinder, exactPC: Bool) -> RawStack {
        var notes: [String] = []
        if unwinder == .framePointer {
            notes.append(libunwindStatus ?? "libunwind could not unwind this stack; frame-pointer walk used")
        } else if unwinder == .stackScan {
            notes.append(
                "read without a signal by a stack scan (\(libunwindStatus ?? "libunwind could not unwind it")): "
                    + "frames between the system call and the first frame pointer may include stale return addresses")
        }
        if addresses.count >= Int(C_MODE_MAX_FRAMES) { notes.append("truncated at \(addresses.count) frames") }
        return RawStack(
            addresses: addresses, unwinder: unwinder, note: notes.isEmpty ? nil : notes.joined(separator: "; "),
            firstFrameIsExactPC: exactPC)
    }
}
