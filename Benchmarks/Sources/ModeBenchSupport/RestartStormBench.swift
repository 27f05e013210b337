import Logging
import ModeCore
import ModeWorker
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// 10,000 restarts of one service inside a real ``Worker`` (its metrics observer, task attribution, stall
/// watchdog and log sink with the crash reporter's write gate installed, logging at info to `/dev/null`), as
/// the console's `restart Worker/AppService/UserCache` does them: per-restart wall time over the first and
/// the last 1,000, and heap in use after the first 1,000 (the finished-task history is full then), right
/// after the last, and once the cancelled sleeps of the restarted task have expired.
///
/// ```swift
/// let storm = await RestartStormBench.run(restarts: 10_000)
/// print(storm.firstThousandMicroseconds, storm.lastThousandMicroseconds, storm.heapGrowthBytesPerRestart)
/// ```
///
/// It starts a Worker in this process (signal handlers, crash reporter, logging bootstrap): run it last.
public enum RestartStormBench {
    /// The outcome of a storm.
    public struct Result: Sendable {
        /// Restarts done.
        public var restarts: Int
        /// Mean wall time of one `restart()` over the first 1,000, microseconds.
        public var firstThousandMicroseconds: Double
        /// Mean wall time of one `restart()` over the last 1,000, microseconds.
        public var lastThousandMicroseconds: Double
        /// Heap in use (glibc `mallinfo2`) after one restart, bytes.
        public var heapFirstBytes: Int
        /// Heap in use after the first 1,000 restarts (the finished-task history has reached its bound), bytes.
        public var heapBaselineBytes: Int
        /// Heap in use right after the last restart, bytes.
        public var heapAfterBytes: Int
        /// Heap in use once the restarted task's cancelled sleeps (100 ms) have expired, bytes.
        public var heapSettledBytes: Int
        /// Resident set size growth after the first 1,000 restarts, bytes.
        public var rssGrowthBytes: Int

        /// Heap kept per restart after the first 1,000, once settled: (settled - baseline) / (restarts - 1,000).
        public var heapGrowthBytesPerRestart: Double {
            Double(heapSettledBytes - heapBaselineBytes) / Double(max(1, restarts - 1000))
        }
        /// RSS growth per restart after the first 1,000.
        public var rssGrowthBytesPerRestart: Double { Double(rssGrowthBytes) / Double(max(1, restarts - 1000)) }
    }

    /// A service with a background task that sleeps in a loop (the demo's `UserCache`, with a 100 ms sleep so
    /// the cancelled sleeps' timers expire within the measurement).
    actor Cache: Service {
        let lifecycle = ServiceLifecycleState(label: "UserCache")
        nonisolated var tasks: [ServiceTask] {
            [.task("evict-idle-users") { while !self.shouldStop { await self.sleep(for: .milliseconds(100)) } }]
        }
    }

    /// Restarts `target` from its own task, then stops the Worker.
    actor Driver: Service {
        let lifecycle = ServiceLifecycleState(label: "StormDriver")
        let target: Cache
        let restarts: Int
        let result = Mutex<Result?>(nil)

        init(target: Cache, restarts: Int) {
            self.target = target
            self.restarts = restarts
        }

        nonisolated var tasks: [ServiceTask] {
            [.task("restart-storm") {
                let result = await self.storm()
                self.result.withLock { $0 = result }
                (self.root as? Worker)?.requestStop()
            }]
        }

        nonisolated func storm() async -> Result {
            var nanoseconds = [UInt64](repeating: 0, count: restarts)
            try? await target.restart()
            let heapFirst = HeapUsage.bytesInUse()
            var heapBaseline = heapFirst
            var rssBaseline = residentBytes()
            for index in 0..<restarts {
                if index == 1000 {
                    heapBaseline = HeapUsage.bytesInUse()
                    rssBaseline = residentBytes()
                }
                let t0 = TaskRegistry.monotonicNanoseconds()
                try? await target.restart()
                nanoseconds[index] = TaskRegistry.monotonicNanoseconds() &- t0
            }
            let heapAfter = HeapUsage.bytesInUse()
            // Let the cancelled 100 ms sleeps of the restarted task expire (their timers hold ~460 B each).
            try? await Task.sleep(for: .milliseconds(500))
            let window = min(1000, restarts)
            func mean(_ slice: ArraySlice<UInt64>) -> Double {
                Double(slice.reduce(0, +)) / Double(max(1, slice.count)) / 1e3
            }
            return Result(
                restarts: restarts, firstThousandMicroseconds: mean(nanoseconds.prefix(window)),
                lastThousandMicroseconds: mean(nanoseconds.suffix(window)), heapFirstBytes: heapFirst,
                heapBaselineBytes: heapBaseline,
                heapAfterBytes: heapAfter, heapSettledBytes: HeapUsage.bytesInUse(),
                rssGrowthBytes: residentBytes() - rssBaseline)
        }
    }

    /// Runs a Worker (no console, quiet, info logs to `/dev/null`) whose driver restarts a service `restarts`
    /// times.
    public static func run(restarts: Int = 10_000) async -> Result? {
        precondition(restarts > 1000, "the baseline is taken after the first 1,000 restarts")
        var options = ResolvedWorkerOptions()
        options.consoleEnabled = false
        options.quiet = true
        options.logFile = "/dev/null"
        let cache = Cache()
        let driver = Driver(target: cache, restarts: restarts)
        let worker = Worker(cache, driver, options: options)
        _ = await worker.runUntilStopped()
        return driver.result.withLock { $0 }
    }

    static func residentBytes() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = read(fd, &buffer, buffer.count - 1)
        let fields = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
