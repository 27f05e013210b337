import Dispatch
import Foundation
import ModeDiagnostics
import Synchronization
import Testing

/// How a blocking call ended: how long it took, its result and the errno it left.
struct BlockingOutcome: Sendable, CustomStringConvertible {
    var elapsed: Duration
    var result: Int32
    var error: Int32

    var description: String { "\(elapsed) result \(result) errno \(error)" }
}

/// The blocking calls a signal would cut short (nanosleep, poll and futex waits are not restarted by
/// SA_RESTART), each in a named function so that a report can show it. Each waits one second for nothing.
enum HarmlessWait: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case usleep, nanosleep, poll, semTimedwait, dispatchSemaphore

    static let requested = Duration.seconds(1)

    var testDescription: String { rawValue }

    /// The function the captured stack must name.
    var functionName: String {
        switch self {
        case .usleep: "harmlessUsleep"
        case .nanosleep: "harmlessNanosleep"
        case .poll: "harmlessPoll"
        case .semTimedwait: "harmlessSemTimedwait"
        // libswiftDispatch's unwind info skips the frame that called DispatchSemaphore.wait (a SIGPROF capture
        // of the same thread shows the same frames): the wait itself is what the stack names.
        case .dispatchSemaphore: "DispatchSemaphore.wait"
        }
    }

    /// What the call returns when it waited its full time: its timeout, never EINTR.
    func waitedInFull(_ outcome: BlockingOutcome) -> Bool {
        guard outcome.elapsed >= Self.requested else { return false }
        switch self {
        case .usleep, .nanosleep, .poll: return outcome.result == 0
        case .semTimedwait, .dispatchSemaphore: return outcome.result == -1 && outcome.error == ETIMEDOUT
        }
    }

    func run(entered: StallFlag) -> BlockingOutcome {
        let start = ContinuousClock.now
        entered.value.store(true, ordering: .releasing)
        let (result, error): (Int32, Int32)
        switch self {
        case .usleep: (result, error) = harmlessUsleep()
        case .nanosleep: (result, error) = harmlessNanosleep()
        case .poll: (result, error) = harmlessPoll()
        case .semTimedwait: (result, error) = harmlessSemTimedwait()
        case .dispatchSemaphore: (result, error) = harmlessDispatchSemaphore()
        }
        return BlockingOutcome(elapsed: start.duration(to: .now), result: result, error: error)
    }
}

@inline(never)
func harmlessUsleep() -> (Int32, Int32) {
    let result = usleep(1_000_000)
    return (result, result == 0 ? 0 : errno)
}

@inline(never)
func harmlessNanosleep() -> (Int32, Int32) {
    var request = timespec(tv_sec: 1, tv_nsec: 0)
    let result = nanosleep(&request, nil)
    return (result, result == 0 ? 0 : errno)
}

@inline(never)
func harmlessPoll() -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return (-1, errno) }
    defer {
        close(fds[0])
        close(fds[1])
    }
    var descriptor = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
    let result = poll(&descriptor, 1, 1000)
    return (result, result == 0 ? 0 : errno)
}

/// glibc's sem_timedwait is a futex wait that reports EINTR to its caller.
@inline(never)
func harmlessSemTimedwait() -> (Int32, Int32) {
    var semaphore = sem_t()
    sem_init(&semaphore, 0, 0)
    defer { sem_destroy(&semaphore) }
    var deadline = timespec()
    clock_gettime(CLOCK_REALTIME, &deadline)
    deadline.tv_sec += 1
    let result = sem_timedwait(&semaphore, &deadline)
    return (result, result == 0 ? 0 : errno)
}

@inline(never)
func harmlessDispatchSemaphore() -> (Int32, Int32) {
    let semaphore = DispatchSemaphore(value: 0)
    return semaphore.wait(timeout: .now() + .seconds(1)) == .timedOut ? (-1, ETIMEDOUT) : (0, 0)
}

/// Diagnostics never change the program they observe: capturing a thread that waits in the kernel must not
/// cut its wait short (issue 12, "Harmless"). Each test waits one second in the observed thread, never in the
/// test: the report or the dump is awaited by event, and the call's own result is checked.
@Suite("Capturing a blocked thread leaves its wait alone")
struct HarmlessCaptureTests {
    init() throws { try StackCapture.install() }

    @Test("a stall report (0.2 s timeout, instrumented executor) does not interrupt the wait", arguments: HarmlessWait.allCases)
    func stallReport(wait: HarmlessWait) async throws {
        let executor = InstrumentedTaskExecutor(threadCount: 1, namePrefix: "harmless-")
        defer { executor.shutdown() }
        let reports = StallEventLog<StallReport>()
        let ends = StallEventLog<StallWatchdog.StallEnd>()
        let watchdog = StallWatchdogTests.makeWatchdog(
            timeout: .milliseconds(200), tids: Set(executor.threadIDs), reports: reports, ends: ends)
        try watchdog.start()
        defer { watchdog.stop() }

        let entered = StallFlag()
        let task = Task(executorPreference: executor) { wait.run(entered: entered) }
        let report = try #require(await reports.first())
        let outcome = await task.value
        _ = await ends.first()  // the stall ended: the call returned

        // Captured while the thread was in the call (the stall ends when it returns), without a signal.
        #expect(report.frames.contains { $0.symbol?.contains(wait.functionName) == true }, "\(report.render())")
        #expect(report.unwinder == .libunwindRemote, "\(report.render())")
        #expect(report.busyMilliseconds >= 200)
        #expect(wait.waitedInFull(outcome), "\(wait): \(outcome)")
    }

    @Test("thread dumps and repeated captures of a sleeping thread do not interrupt the wait", arguments: HarmlessWait.allCases)
    func dumpsAndCaptures(wait: HarmlessWait) async throws {
        let outcomes = StallEventLog<BlockingOutcome>()
        let entered = StallFlag()
        let thread = TestThread(name: "harmless-dump") { _ in outcomes.append(wait.run(entered: entered)) }
        let deadline = ContinuousClock.now + .seconds(30)
        while !entered.value.load(ordering: .acquiring) && ContinuousClock.now < deadline { sched_yield() }
        #expect(thread.waitUntilSleeping())

        // Captures back to back (with a signal, the first would already end the wait), then a dump (the
        // console's `stacks` and SIGUSR1 build the same one).
        var captures = 0
        for _ in 0..<20 where (try? StackCapture.capture(threadID: thread.tid)) != nil { captures += 1 }
        let dump = ThreadDump.capture(reason: "harmless")
        let entry = try #require(dump.threads.first { $0.info.tid == thread.tid })
        let outcome = try #require(await outcomes.first())

        #expect(entry.frames.contains { $0.symbol?.contains(wait.functionName) == true }, "\(dump.render())")
        #expect(entry.unwinder == .libunwindRemote)
        #expect(captures > 0)
        #expect(wait.waitedInFull(outcome), "\(wait): \(outcome)")
    }

    @Test("a blocked thread is read without a signal: exact pc in the system-call wrapper, then the callers")
    func blockedCaptureShape() throws {
        let thread = TestThread(name: "harmless-shape") { capturedWhileParkedInNamedFunction($0) }
        defer { thread.release() }
        #expect(thread.waitUntilSleeping())
        let stack = try StackCapture.capture(threadID: thread.tid)
        #expect(stack.unwinder == .libunwindRemote)
        #expect(stack.firstFrameIsExactPC)
        #expect(stack.note == nil)
        #expect(StackCapture.signalFreeCaptureStatus == nil)
        let frames = Symbolicator.shared.symbolicate(stack)
        #expect(frames.first?.module?.hasPrefix("libc") == true, "\(frames.map { $0.render() })")
        let frame = try #require(frames.first { $0.symbol?.contains("capturedWhileParkedInNamedFunction") == true })
        #expect(frame.file?.hasSuffix("StackCaptureTests.swift") == true)
        #expect((frame.line ?? 0) > 0)
    }

    @Test("a thread that exits between captures gives noSuchThread, never a crash or a hang")
    func exitedThread() throws {
        let thread = TestThread(name: "harmless-exit") { $0.waitForRelease() }
        #expect(thread.waitUntilSleeping())
        let tid = thread.tid
        thread.release()
        // Captures race the exit; each one either names the thread's frames or says it is gone.
        var gone = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !gone && ContinuousClock.now < deadline {
            do { _ = try StackCapture.capture(threadID: tid, timeout: .milliseconds(100)) }
            catch let error as StackCaptureError { gone = error.code == .noSuchThread || error.code == .timedOut }
        }
        #expect(gone)
    }
}

