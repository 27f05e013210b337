import Mode

#if canImport(Glibc)
import Glibc
#endif

/// `restart-storm`: a driver restarts `Worker/AppService/Ticker` (a service whose background task sleeps in
/// a loop, like the demo's UserCache) through the real Worker, with its metrics observer, task attribution
/// and log write gate installed, and prints what it holds after a warm-up and after the storm:
///
///     restart-storm warm-up=1500 rss_kb=… live_tasks=… finished_tasks=… attributed=… owned=…
///     restart-storm storm=3000 rss_kb=… live_tasks=… finished_tasks=… attributed=… owned=…
///
/// then stops the Worker. `MODE_FIXTURE_RESTARTS` overrides the storm's length.
extension Scenario {
    static func restartStormRoot() -> any Service {
        // A short sleep (100 ms): a cancelled `Task.sleep` keeps its timer (~460 B) until its deadline, so a
        // longer one would add rate × duration of pending timers to the figures.
        let ticker = Ticker()
        let storm = getenv("MODE_FIXTURE_RESTARTS").flatMap { Int(String(cString: $0)) } ?? 3000
        return AppService(children: [ticker, RestartStormDriver(target: ticker, warmUp: 1500, storm: storm)])
    }
}

actor RestartStormDriver: Service {
    let lifecycle = ServiceLifecycleState()
    let target: any Service
    let warmUp: Int
    let storm: Int

    init(target: any Service, warmUp: Int, storm: Int) {
        self.target = target
        self.warmUp = warmUp
        self.storm = storm
    }

    nonisolated var tasks: [ServiceTask] {
        [.task("restart-storm") {
            do {
                try await self.restartTarget(self.warmUp)
                // The watchdog warms the symbolicator in the background (it reads the binary's debug info):
                // let it finish before the first sample, or its memory would count as the storm's.
                Symbolicator.shared.waitUntilIdle()
                Self.report("warm-up=\(self.warmUp)", self.target)
                try await self.restartTarget(self.storm)
                // Likewise after the storm: on a loaded machine the storm's job can outlast the blocking timeout,
                // and the stall report's symbolication is not memory the restarts kept.
                Symbolicator.shared.waitUntilIdle()
                Self.report("storm=\(self.storm)", self.target)
            } catch {
                Worker.writeFixtureError("restart-storm failed: \(error)\n")
            }
            (self.root as? Worker)?.requestStop()
        }]
    }

    private nonisolated func restartTarget(_ count: Int) async throws {
        for _ in 0..<count { try await target.restart() }
    }

    private static func report(_ phase: String, _ target: any Service) {
        let registry = target.lifecycle.tree.tasks
        let line = "restart-storm \(phase) rss_kb=\(residentKilobytes()) live_tasks=\(registry.liveCount) "
            + "finished_tasks=\(registry.finishedTasks().count) attributed=\(TaskAttributionTable.shared.count) "
            + "owned=\(target.ownedTasks.count) restarts=\(target.restartCount)\n"
        Worker.writeFixtureError(line)
    }

    /// Resident memory after returning the allocator's free pages to the kernel (glibc's `malloc_trim(0)`, found
    /// with dlsym: the Glibc module does not export it). Without the trim, free blocks still resident in
    /// malloc's arenas make two samples differ by about 1 MB with nothing kept (measured: 1,036 KB once in six
    /// full-suite runs), as much as the 1 MB the test allows.
    private static func residentKilobytes() -> Int {
        if let trim = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(trim, to: (@convention(c) (Int) -> Int32).self)(0)
        }
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return -1 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = read(fd, &buffer, buffer.count - 1)
        let fields = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return -1 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }
}
