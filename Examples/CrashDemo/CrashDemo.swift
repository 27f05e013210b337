import Mode

/// A service that crashes: half a second after start it force-unwraps nil in `crashingWork()`.
///
///     swift run --package-path Examples CrashDemo --logfile crash.log; echo "exit $?"
///
/// `crash.log` then holds the crash report (`=== swift-mode crash report begin ===`): the signal (SIGILL:
/// every Swift trap is one on x86_64), the thread, the service (`Worker/Importer`) and task
/// (`import-batch`), the frames as module+offset, then symbolicated with `crashingWork()` and its file:line,
/// the runtime's "Unexpectedly found nil" message, the service tree and the last log lines. The process
/// exits with status 132 (128 + SIGILL) and the Swift runtime's own backtrace still appears on stderr.
actor Importer: Service {
    let lifecycle = ServiceLifecycleState()
    private var batches: [String: Int] = [:]

    nonisolated var tasks: [ServiceTask] {
        [.task("import-batch") {
            await self.sleep(for: .milliseconds(500))
            self.logger.info("Importing batch 42")
            crashingWork(await self.size(of: "batch-42"))
        }]
    }

    func size(of batch: String) -> Int? { batches[batch] }
}

@inline(never)
func crashingWork(_ size: Int?) {
    let rows = size!  // the bug: the batch was never loaded
    print("imported \(rows) rows")
}

@main
enum CrashDemo {
    static func main() async {
        await Worker(Importer(), options: WorkerOptions.parseOrExit()).run()
    }
}
