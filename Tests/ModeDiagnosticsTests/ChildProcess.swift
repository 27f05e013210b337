import Foundation

/// Runs the ModeDiagnosticsFixture executable (built next to the test bundle) as a child process.
struct ChildProcess {
    struct Exit: CustomStringConvertible {
        var signal: Int32?
        var status: Int32?
        var stderr: String
        var description: String { "signal \(signal.map(String.init) ?? "-") status \(status.map(String.init) ?? "-")" }
    }

    static var fixtureURL: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // `swift test` runs <scratch>/debug/swift-modePackageTests.xctest; the fixture sits beside it.
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("ModeDiagnosticsFixture")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("ModeDiagnosticsFixture")
    }

    static func temporaryFile(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mode-diagnostics-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("\(name)-\(UInt32.random(in: 0...UInt32.max))").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    let process = Process()
    // stderr goes to a file, not a pipe: a grandchild (the runtime's swift-backtrace) may keep a pipe open.
    private let errorPath = ChildProcess.temporaryFile("stderr")

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = Self.fixtureURL
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"  // the runtime's own backtracer is slow; one test keeps it
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits for the exit (deadline 60 s, then SIGKILL).
    func wait() -> Exit {
        let process = self.process
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        if process.terminationReason == .uncaughtSignal {
            return Exit(signal: process.terminationStatus, status: nil, stderr: stderr)
        }
        return Exit(signal: nil, status: process.terminationStatus, stderr: stderr)
    }

    /// Polls `path` until `predicate` holds on its contents (deadline 60 s). Returns the last contents.
    static func waitForFile(_ path: String, until predicate: (String) -> Bool) -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        var text = ""
        while ContinuousClock.now < deadline {
            text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if predicate(text) { return text }
            usleep(5000)
        }
        return text
    }
}
