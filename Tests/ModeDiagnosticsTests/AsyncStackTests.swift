import Foundation
import ModeDiagnostics
import ModeThreads
import Synchronization
import Testing

final class AsyncProbe: Sendable {
    let tid = Mutex<Int32>(0)
    let ready = DispatchSemaphore(value: 0)
    let fds: (read: Int32, write: Int32)

    init() {
        var pair: [Int32] = [0, 0]
        precondition(pipe(&pair) == 0)
        fds = (pair[0], pair[1])
    }

    func release() {
        var byte: UInt8 = 1
        _ = write(fds.write, &byte, 1)
    }
}

@inline(never)
func asyncProbeBlock(_ probe: AsyncProbe) {
    probe.tid.withLock { $0 = ThreadInventory.currentThreadID() }
    probe.ready.signal()
    var byte: UInt8 = 0
    while read(probe.fds.read, &byte, 1) < 0 && errno == EINTR {}
}

@inline(never)
func asyncServiceC(_ probe: AsyncProbe) async -> Int {
    await Task.yield()  // after a suspension, the callers live only in the async context chain
    asyncProbeBlock(probe)
    return 1
}

@inline(never)
func asyncServiceB(_ probe: AsyncProbe) async -> Int {
    let value = await asyncServiceC(probe)
    return value + 1
}

@inline(never)
func asyncServiceA(_ probe: AsyncProbe) async -> Int {
    let value = await asyncServiceB(probe)
    return value + 1
}

@Suite("Async callers")
struct AsyncStackTests {
    @Test("a task blocked inside serviceC <- serviceB <- serviceA shows the async callers")
    func asyncChain() async throws {
        try StackCapture.install()
        let probe = AsyncProbe()
        let task = Task.detached { await asyncServiceA(probe) }
        // The probe holds a thread of the pool until it is released. The capture and the release happen on a plain
        // thread: another suite may hold the pool's other thread the same way, and a release waiting for a pool
        // thread would then wait for ever (seen once in CI, with StallWatchdogTests blocking the other).
        let captured = Mutex<Result<RawStack, any Error>?>(nil)
        let capturer = try OwnedThread.start(name: "async-stack-test") {
            probe.ready.wait()
            let tid = probe.tid.withLock { $0 }
            let deadline = ContinuousClock.now + .seconds(30)
            while ThreadInventory.info(threadID: tid)?.wchan?.contains("pipe") != true && ContinuousClock.now < deadline {
                usleep(1000)
            }
            let result = Result { try StackCapture.capture(threadID: tid, timeout: .seconds(5)) }
            captured.withLock { $0 = result }
            probe.release()
        }
        #expect(await task.value == 3)
        capturer.join()
        let stack = try #require(captured.withLock { $0 }).get()
        let frames = Symbolicator.shared.symbolicate(stack)
        let asyncSymbols = frames.filter(\.isAsync).compactMap(\.symbol)
        let rendered = frames.map { $0.render() }.joined(separator: "\n")
            + "\nasync candidates after \(stack.asyncCallersFollowFrame ?? -1): \(stack.asyncCallers.map { String($0, radix: 16) })"
        #expect(frames.contains { $0.symbol?.contains("asyncProbeBlock") == true }, "\(rendered)")
        #expect(asyncSymbols.contains { $0.contains("asyncServiceB") }, "\(rendered)")
        #expect(asyncSymbols.contains { $0.contains("asyncServiceA") }, "\(rendered)")
        #expect(rendered.contains("[async]"))
    }
}
