import CModeSupport
import Foundation
import ModeDiagnostics
import Synchronization

// `capture <out-file> [iterations] [extra-threads]`: parks a thread in `fixtureParkedForCapture`, spins another in
// `fixtureSpinningForCapture`, captures both (and measures; the parked one also through SIGPROF, for
// comparison), and writes one JSON object to <out-file>.
// Run with MODE_DISABLE_LIBUNWIND=1 to exercise the frame-pointer fallback.
extension Scenario {
    static let captureScenarios: [String: @Sendable ([String]) async throws -> Void] = [
        // `sigprof-chain <out-file>`: a SIGPROF handler installed before StackCapture keeps receiving the
        // SIGPROFs that are not capture requests, while captures still work.
        "sigprof-chain": { arguments in
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in fixtureForeignSIGPROFCount.add(1, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            sigaction(SIGPROF, &action, nil)
            try StackCapture.install()
            for round in 1...3 {
                kill(getpid(), SIGPROF)  // one at a time: pending standard signals coalesce
                while fixtureForeignSIGPROFCount.load(ordering: .relaxed) < round { usleep(100) }
            }
            let stack = try StackCapture.capture(threadID: ThreadInventory.list().last!.tid)
            let text = "foreign=\(fixtureForeignSIGPROFCount.load(ordering: .relaxed)) frames=\(stack.addresses.count)\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: arguments[0]))
            exit(0)
        },
        "capture": { arguments in
            let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 1 : 1
            let extraThreads = arguments.count > 2 ? Int(arguments[2]) ?? 0 : 0
            for index in 0..<extraThreads {
                Thread {
                    ThreadInventory.setCurrentThreadName("extra-\(index)")
                    while true { sleep(1000) }
                }.start()
            }
            try StackCapture.install()
            var pipeFDs: [Int32] = [0, 0]
            guard pipe(&pipeFDs) == 0 else { exit(70) }
            let fds = pipeFDs
            let parked = Thread {
                ThreadInventory.setCurrentThreadName("fixture-parked")
                fixtureParkedForCapture(fds[0])
            }
            parked.start()
            let spinner = Thread { fixtureSpinningForCapture() }
            spinner.start()
            func tid(named name: String) -> Int32 {
                while true {
                    if let thread = ThreadInventory.list().first(where: { $0.name == name && $0.state == "S" }) {
                        return thread.tid
                    }
                    usleep(1000)
                }
            }
            let parkedTID = tid(named: "fixture-parked")
            var spinnerTID: Int32 = 0
            while spinnerTID == 0 {
                spinnerTID = ThreadInventory.list().first(where: { $0.name == "fixture-spin" })?.tid ?? 0
                usleep(1000)
            }
            var firstMicros: [Double] = []
            func measure(_ tid: Int32) throws -> (RawStack, [Double]) {
                let firstStart = ContinuousClock.now
                var stack = try StackCapture.capture(threadID: tid)
                let first = ContinuousClock.now - firstStart
                firstMicros.append(Double(first.components.attoseconds) / 1e12 + Double(first.components.seconds) * 1e6)
                var micros: [Double] = []
                for _ in 0..<iterations {
                    let start = ContinuousClock.now
                    stack = try StackCapture.capture(threadID: tid)
                    let elapsed = ContinuousClock.now - start
                    micros.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
                }
                return (stack, micros.sorted())
            }
            let (parkedStack, parkedMicros) = try measure(parkedTID)
            let (spinStack, spinMicros) = try measure(spinnerTID)
            // The same sleeping thread through SIGPROF (the method used for every thread before blocked threads
            // were read without a signal), for comparison.
            var signalMicros: [Double] = []
            var signalFrames = [UInt](repeating: 0, count: Int(C_MODE_MAX_FRAMES))
            for _ in 0..<max(1, iterations) {
                var count: Int32 = 0, unwinder: Int32 = 0, sendErrno: Int32 = 0
                let start = ContinuousClock.now
                _ = c_mode_capture_thread(
                    parkedTID, 1_000_000_000, &signalFrames, C_MODE_MAX_FRAMES, &count, &unwinder, &sendErrno)
                let elapsed = ContinuousClock.now - start
                signalMicros.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
            }
            signalMicros.sort()
            let firstSymbolication = ContinuousClock.now
            let parkedFrames = Symbolicator.shared.symbolicate(parkedStack)
            let firstElapsed = ContinuousClock.now - firstSymbolication
            let laterSymbolication = ContinuousClock.now
            let spinFrames = Symbolicator.shared.symbolicate(spinStack)
            let laterElapsed = ContinuousClock.now - laterSymbolication
            let dumpStart = ContinuousClock.now
            let dump = ThreadDump.capture(reason: "bench")
            let dumpElapsed = ContinuousClock.now - dumpStart
            let secondDumpStart = ContinuousClock.now
            let secondDump = ThreadDump.capture(reason: "bench")
            let secondDumpElapsed = ContinuousClock.now - secondDumpStart
            var perThread: [String] = []
            for thread in ThreadInventory.list() {
                let start = ContinuousClock.now
                _ = try? StackCapture.capture(threadID: thread.tid)
                let elapsed = ContinuousClock.now - start
                perThread.append("\(thread.name):\(elapsed.components.attoseconds / 1_000_000_000_000)us")
            }
            let listStart = ContinuousClock.now
            _ = ThreadInventory.list()
            let listElapsed = ContinuousClock.now - listStart
            let result: [String: String] = [
                "perThreadCapture": perThread.joined(separator: " "),
                "listMicros": "\(listElapsed.components.attoseconds / 1_000_000_000_000)",
                "unwinder": parkedStack.unwinder.description,
                "spinUnwinder": spinStack.unwinder.description,
                "parkedSignalMedianMicros": "\(signalMicros[signalMicros.count / 2])",
                "parkedP90Micros": "\(parkedMicros[parkedMicros.count * 9 / 10])",
                "parkedFirstMicros": "\(firstMicros[0])",
                "spinFirstMicros": "\(firstMicros[1])",
                "note": parkedStack.note ?? "",
                "parkedSymbols": parkedFrames.compactMap(\.symbol).joined(separator: "\n"),
                "spinSymbols": spinFrames.compactMap(\.symbol).joined(separator: "\n"),
                "parkedMedianMicros": "\(parkedMicros[parkedMicros.count / 2])",
                "spinMedianMicros": "\(spinMicros[spinMicros.count / 2])",
                "firstSymbolicationMillis": "\(Double(firstElapsed.components.attoseconds) / 1e15)",
                "laterSymbolicationMillis": "\(Double(laterElapsed.components.attoseconds) / 1e15)",
                "dumpThreads": "\(dump.threads.count)",
                "dumpMillis": "\(Double(dumpElapsed.components.attoseconds) / 1e15 + Double(dumpElapsed.components.seconds) * 1e3)",
                "dumpCaptureMicros": "\(dump.captureMicroseconds)",
                "secondDumpMillis": "\(Double(secondDumpElapsed.components.attoseconds) / 1e15)",
                "secondDumpCaptureMicros": "\(secondDump.captureMicroseconds)",
                "dumpSymbolicationMicros": "\(dump.symbolicationMicroseconds)",
            ]
            let data = try JSONEncoder().encode(result)
            try data.write(to: URL(fileURLWithPath: arguments[0]))
            var byte: UInt8 = 1
            _ = write(fds[1], &byte, 1)
            exit(0)
        }
    ]
}

let fixtureForeignSIGPROFCount = Atomic<Int>(0)

@inline(never)
func fixtureParkedForCapture(_ fd: Int32) {
    var byte: UInt8 = 0
    while read(fd, &byte, 1) < 0 && errno == EINTR {}
}

@inline(never)
func fixtureSpinningForCapture() {
    ThreadInventory.setCurrentThreadName("fixture-spin")
    var x: UInt64 = 1
    while true {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        if x == 0 { print(x) }
    }
}
