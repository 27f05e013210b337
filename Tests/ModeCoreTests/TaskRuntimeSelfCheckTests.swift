@testable import ModeCore
import Testing

/// The private runtime entry points behind the ServiceThread sweep are used only when their self-check passes.
@Suite("TaskRuntime self-check")
struct TaskRuntimeSelfCheckTests {
    @Test("the entry points behave on this toolchain's runtime (else the sweep falls back)")
    func selfCheckPasses() {
        #expect(TaskRuntime.isUsable)
    }

    @Test("a job of a task is recognised as a task, with a stable, distinct id")
    func jobsOfTasks() async {
        let first = Task.detached { 1 }
        let second = Task.detached { 2 }
        let firstJob = unsafeBitCast(first, to: UnownedJob.self)
        let secondJob = unsafeBitCast(second, to: UnownedJob.self)
        #expect(TaskRuntime.isTask(firstJob) && TaskRuntime.isTask(secondJob))
        #expect(TaskRuntime.taskID(of: firstJob) == TaskRuntime.taskID(of: firstJob))
        #expect(TaskRuntime.taskID(of: firstJob) != TaskRuntime.taskID(of: secondJob))
        _ = await (first.value, second.value)
    }
}
