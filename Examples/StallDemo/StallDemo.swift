import Mode

#if canImport(Glibc)
import Glibc
#endif

/// A service that makes the classic mistake: one second after start, it calls a synchronous function that
/// blocks its thread for two seconds. Run it with a short threshold to see the stall report:
///
///     swift run --package-path Examples StallDemo --blocking-timeout 0.2
///
/// The log shows `Blocking detected: thread mode-exec-N (tid …) busy for 200 ms (timeout 200 ms)`, the
/// service (`Worker/Reporter`), the task (`nightly-report`), where it was declared, and the native stack
/// with `blockingWork()` and its file:line; then `Blocking ended: … was busy for 2.00 s`. Ctrl-C stops it.
actor Reporter: Service {
    let lifecycle = ServiceLifecycleState()

    nonisolated var tasks: [ServiceTask] {
        [.task("nightly-report") {
            await self.sleep(for: .seconds(1))
            self.logger.info("Generating the report (this blocks a thread: don't do this)")
            blockingWork()
            self.logger.info("Report done")
        }]
    }
}

/// Blocks the calling thread for two seconds, as a synchronous database driver or `sleep()` would.
@inline(never)
func blockingWork() {
    var request = timespec(tv_sec: 2, tv_nsec: 0)
    var remaining = timespec()
    // The watchdog's one stack capture interrupts the sleep with a signal; keep sleeping until the deadline.
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}

@main
enum StallDemo {
    static func main() async {
        await Worker(Reporter(), options: WorkerOptions.parseOrExit()).run()
    }
}
