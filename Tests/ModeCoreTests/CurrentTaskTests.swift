import Foundation
@testable import ModeCore
import Testing

/// `CurrentTask` reads the running task and its cancellation straight from the runtime once a check inside a
/// task has proven the entry points agree with `withUnsafeCurrentTask` and `Task.isCancelled`.
@Suite("CurrentTask")
struct CurrentTaskTests {
    @Test("inside a task: the task's address and cancellation, as the public API reads them")
    func insideATask() async {
        let publicAddress = withUnsafeCurrentTask { $0.map { unsafeBitCast($0, to: UInt.self) } }
        #expect(publicAddress != nil)
        #expect(CurrentTask.address == publicAddress)
        #expect(CurrentTask.usesRuntimeEntryPoints, "the check inside a task agreed, so the runtime is read")
        #expect(TaskRegistry.currentTaskAddress() == publicAddress)
        #expect(!CurrentTask.isCancelled)
    }

    @Test("a cancelled task reads cancelled; another task reads its own address")
    func cancellationAndOtherTasks() async {
        let here = CurrentTask.address
        let gate = AsyncStream<Void>.makeStream()
        let child = Task {
            for await _ in gate.stream { break }
            let publicAddress = withUnsafeCurrentTask { $0.map { unsafeBitCast($0, to: UInt.self) } }
            return (CurrentTask.address, publicAddress, CurrentTask.isCancelled, Task.isCancelled)
        }
        child.cancel()
        gate.continuation.yield()
        let (address, publicAddress, cancelled, publicCancelled) = await child.value
        #expect(address == publicAddress && address != nil && address != here)
        #expect(cancelled && publicCancelled)
        #expect(!CurrentTask.isCancelled, "the parent was not cancelled")
    }

    @Test("outside a task: no address, not cancelled")
    func outsideATask() async {
        _ = CurrentTask.address  // the check runs inside this task first
        let (address, cancelled) = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: (CurrentTask.address, CurrentTask.isCancelled)) }
        }
        #expect(address == nil)
        #expect(!cancelled)
    }
}
