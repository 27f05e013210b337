import CModeSupport
import Foundation
import ModeDiagnostics

// Crash scenarios: `crash-<kind> <log-file> [json]`. Each installs the CrashReporter writing to the log file
// (and stderr) and then dies the named way.
extension Scenario {
    static let crashScenarios: [String: @Sendable ([String]) async throws -> Void] = [
        "crash-nil": { arguments in
            try installReporter(arguments)
            fixtureForceUnwrapNil(Int(arguments.count) > 99 ? 1 : nil)
        },
        "crash-labelled": { arguments in
            // A job with a registered label runs on the crashing thread (as the instrumented executor records it).
            try installReporter(arguments)
            let job: UInt = 0x5eed_1234
            _ = c_mode_task_label_register(job, "App/poll task poll (App.swift:42)")
            c_mode_activity_begin(job, Int32(C_MODE_ACTIVITY_KIND_UNKNOWN))
            fixtureForceUnwrapNil(nil)
        },
        "crash-abort": { arguments in
            try installReporter(arguments)
            fixtureAbort()
        },
        "crash-segv": { arguments in
            try installReporter(arguments)
            fixtureBadPointerWrite(UInt(arguments.count) * 8 + 8)
        },
        "crash-overflow": { arguments in
            // The thread exists before install: install arms it through SIGPROF (as it does for pool threads).
            let go = DispatchSemaphore(value: 0)
            let thread = Thread {
                ThreadInventory.setCurrentThreadName("overflow-thread")
                go.wait()
                print("depth", fixtureRecurse(1))
            }
            thread.stackSize = 1 << 20
            thread.start()
            try installReporter(arguments)
            go.signal()
            while true { sleep(10) }
        },
        "crash-idle": { arguments in
            // Idle, waiting to be sent a fatal signal with kill(1): "ready" in the log when the handlers are in.
            try installReporter(arguments)
            Scenario.append("ready pid \(getpid())\n", to: arguments[0])
            while true { sleep(10) }
        },
        "crash-idle-hanging-previous": { arguments in
            // A previous SIGSEGV handler that never returns (a hung runtime backtracer): the reporter's watchdog
            // must still end the process by SIGSEGV, here after 1 s + 1 s + 100 ms.
            let fd = open(arguments[0], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            dup2(fd, hangingHandlerFD)
            signal(SIGSEGV) { _ in
                let note = "previous handler entered\n"
                _ = note.withCString { write(hangingHandlerFD, $0, strlen($0)) }
                while true { pause() }
            }
            try installReporter(arguments, bestEffort: .seconds(1), chain: .seconds(1))
            Scenario.append("ready pid \(getpid())\n", to: arguments[0])
            while true { sleep(10) }
        },
        "crash-plain-thread": { arguments in
            // A task on the instrumented executor starts a plain Thread, which crashes: the new thread carries
            // its creator's name (mode-exec-N) and the report must say it is inherited.
            try installReporter(arguments)
            let executor = InstrumentedTaskExecutor(threadCount: 1)
            await Task(executorPreference: executor) {
                let thread = Thread { fixtureForceUnwrapNil(nil) }
                thread.start()
            }.value
            while true { sleep(10) }
        },
        "crash-interleave": { arguments in
            let path = arguments[0]
            try installReporter(arguments)
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            let started = DispatchSemaphore(value: 0)
            for writer in 0..<2 {
                let thread = Thread {
                    ThreadInventory.setCurrentThreadName("logger-\(writer)")
                    var n = 0
                    while true {
                        n += 1
                        var line = Array("LOGLINE writer=\(writer) n=\(n) \(String(repeating: "x", count: 100))\n".utf8)
                        CrashReporter.withLogGate { _ = line.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) } }
                        if n == 200 { started.signal() }
                    }
                }
                thread.start()
            }
            started.wait()
            started.wait()
            fixtureForceUnwrapNil(nil)
        },
    ]

    static func installReporter(
        _ arguments: [String], bestEffort: Duration = .seconds(3), chain: Duration = .seconds(10)
    ) throws {
        var configuration = CrashReporter.Configuration()
        configuration.bestEffortTimeout = bestEffort
        configuration.chainTimeout = chain
        configuration.logFilePath = arguments[0]
        configuration.outputFileDescriptors = [STDERR_FILENO]
        if arguments.contains("json") { configuration.format = .json }
        configuration.sections = { report in
            [DiagnosticSection(title: "fixture section", lines: ["crashed thread \(report.thread)"])]
        }
        try CrashReporter.install(configuration)
    }
}

/// The fd the hanging SIGSEGV handler of `crash-idle-hanging-previous` writes to (a handler captures nothing).
let hangingHandlerFD: Int32 = 100

@inline(never)
func fixtureForceUnwrapNil(_ value: Int?) {
    print("value", value!)
}

@inline(never)
func fixtureAbort() {
    abort()
}

@inline(never)
func fixtureBadPointerWrite(_ address: UInt) {
    let pointer = UnsafeMutablePointer<UInt>(bitPattern: address)!
    pointer.pointee = 42
}

/// Unoptimized even in a release build: the optimizer turned the recursion into a loop that never overflows.
@inline(never)
@_optimize(none)
func fixtureRecurse(_ depth: Int) -> Int {
    var padding = (depth, depth &+ 1, depth &+ 2, depth &+ 3)
    withUnsafeMutablePointer(to: &padding) { _ in }
    return fixtureRecurse(depth &+ 1) &+ padding.0
}
