import Dispatch
import Foundation
import Synchronization
import ModeDiagnostics

#if canImport(Glibc)
import Glibc
#endif

/// Costs of the diagnostics: one stack capture of another thread (sleeping or spinning), symbolication of one
/// captured stack, and a full thread dump with 20 extra threads.
///
/// ```swift
/// let threads = DiagnosticsBench.HelperThreads(sleeping: 1, spinning: 1)
/// let cost = try DiagnosticsBench.captureCost(threadID: threads.sleepingIDs[0], count: 200)
/// ```
public enum DiagnosticsBench {
    /// Parked and spinning helper threads to capture.
    public final class HelperThreads: Sendable {
        private let stopFlag = Atomic<Bool>(false)
        private let ids = Mutex<[Int32]>([])
        private let spinIDs = Mutex<[Int32]>([])
        private let exited = DispatchSemaphore(value: 0)
        private let total: Int

        /// Starts `sleeping` threads that sleep in `usleep` and `spinning` threads that spin.
        public init(sleeping: Int, spinning: Int) {
            total = sleeping + spinning
            let ready = DispatchSemaphore(value: 0)
            for index in 0..<total {
                let spins = index >= sleeping
                let thread = Thread { [self] in
                    let tid = ThreadInventory.currentThreadID()
                    ThreadInventory.setCurrentThreadName(spins ? "bench-spin" : "bench-sleep")
                    if spins { spinIDs.withLock { $0.append(tid) } } else { ids.withLock { $0.append(tid) } }
                    ready.signal()
                    var sink = 0
                    while !stopFlag.load(ordering: .relaxed) {
                        if spins { sink &+= 1 } else { usleep(2_000) }
                    }
                    _ = sink
                    exited.signal()
                }
                thread.start()
            }
            for _ in 0..<total { ready.wait() }
        }

        /// Thread ids of the sleeping threads.
        public var sleepingIDs: [Int32] { ids.withLock { $0 } }
        /// Thread ids of the spinning threads.
        public var spinningIDs: [Int32] { spinIDs.withLock { $0 } }

        /// Stops the threads and waits for them to end.
        public func stop() {
            stopFlag.store(true, ordering: .relaxed)
            for _ in 0..<total { exited.wait() }
        }
    }

    /// Mean cost of capturing `threadID`'s stack, microseconds (after one warm-up capture).
    public static func captureCost(threadID: Int32, count: Int) throws -> Double {
        try StackCapture.install()
        _ = try StackCapture.capture(threadID: threadID)
        let clock = ContinuousClock()
        let t0 = clock.now
        for _ in 0..<count { _ = try StackCapture.capture(threadID: threadID) }
        return (clock.now - t0).microseconds / Double(count)
    }

    /// Cost of symbolicating one captured stack: the first one (cold caches) and the mean of later ones, µs.
    public static func symbolicationCost(threadID: Int32, count: Int) throws -> (first: Double, later: Double) {
        try StackCapture.install()
        let stack = try StackCapture.capture(threadID: threadID)
        let clock = ContinuousClock()
        let t0 = clock.now
        let frames = Symbolicator.shared.symbolicate(stack)
        let first = (clock.now - t0).microseconds
        precondition(!frames.isEmpty)
        let t1 = clock.now
        for _ in 0..<count { _ = Symbolicator.shared.symbolicate(stack) }
        return (first, (clock.now - t1).microseconds / Double(count))
    }

    /// One full thread dump; returns its wall time, thread count, and its own capture/symbolication split.
    public static func threadDump(symbolicate: Bool) -> (wall: Double, threads: Int, capture: Int, symbolication: Int) {
        let clock = ContinuousClock()
        let t0 = clock.now
        let dump = ThreadDump.capture(reason: "bench", symbolicate: symbolicate)
        let wall = (clock.now - t0).microseconds
        return (wall, dump.threads.count, dump.captureMicroseconds, dump.symbolicationMicroseconds)
    }
}
