import Foundation
import Synchronization

/// A real Worker process (the ModeWorkerFixture executable) for tests.
///
/// Output is collected by dispatch handlers and every wait is a continuation resumed by an event (new output,
/// process exit) or by a generous deadline — never a sleep, and never a blocked cooperative thread.
final class ChildWorker: Sendable {
    struct Exit: Sendable, CustomStringConvertible {
        var status: Int32
        var signalled: Bool
        var description: String { signalled ? "killed by signal \(status)" : "exit \(status)" }
    }

    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var output: String
        var description: String { "timed out waiting for \(what); output so far:\n\(output)" }
    }

    private struct State {
        var output = ""
        var exit: Exit?
        var closedPipes = 0
        /// Exited and both pipes drained: the output is complete.
        var done: Bool { exit != nil && closedPipes == 2 }
        var waiters: [(id: Int, check: @Sendable (String, Exit?) -> Bool, resume: @Sendable (Bool) -> Void)] = []
        var nextID = 0
    }

    static let deadline: Duration = .seconds(60)
    let process = Process()
    private let state = Mutex(State())
    private let stderrPipe = Pipe()
    private let stdoutPipe = Pipe()

    static var fixtureURL: URL { fixtureURL(named: "ModeWorkerFixture") }

    /// The fixture executable `name`, built next to the test bundle.
    static func fixtureURL(named name: String) -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Starts `ModeWorkerFixture <scenario> <arguments...>` (the console off unless asked for).
    convenience init(_ scenario: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws {
        try self.init(executable: "ModeWorkerFixture", arguments: [scenario] + arguments, environment: environment)
    }

    /// Starts the fixture executable `executable` (e.g. `ModeWorkerCommandFixture`) with `arguments`.
    init(executable: String, arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = Self.fixtureURL(named: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        env["NO_COLOR"] = "1"
        for key in env.keys where key.hasPrefix("MODE_") { env.removeValue(forKey: key) }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardError = stderrPipe
        process.standardOutput = stdoutPipe
        process.terminationHandler = { [weak self] process in
            let exit = Exit(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal)
            self?.finish(exit)
        }
        try process.run()
        // One blocking read loop per pipe on a dispatch thread (never a cooperative one). Foundation's
        // readabilityHandler sometimes misses the output and EOF of a process that exits at once.
        for pipe in [stderrPipe, stdoutPipe] {
            let fd = pipe.fileHandleForReading.fileDescriptor
            DispatchQueue.global().async { [weak self] in
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    self?.append(String(decoding: buffer[0..<count], as: UTF8.self))
                }
                self?.pipeClosed()
            }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: Int32 { process.processIdentifier }
    var output: String { state.withLock { $0.output } }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    private func append(_ text: String) {
        update { $0.output += text }
    }

    private func finish(_ exit: Exit) {
        update { $0.exit = exit }
    }

    private func pipeClosed() {
        update { $0.closedPipes += 1 }
    }

    private func update(_ change: (inout State) -> Void) {
        let (ready, final) = state.withLock { state -> ([@Sendable (Bool) -> Void], [@Sendable (Bool) -> Void]) in
            change(&state)
            let ready = Self.takeReady(&state)
            guard state.done else { return (ready, []) }
            let rest = state.waiters.map(\.resume)
            state.waiters.removeAll()
            return (ready, rest)
        }
        for resume in ready { resume(true) }
        for resume in final { resume(false) }
    }

    private static func takeReady(_ state: inout State) -> [@Sendable (Bool) -> Void] {
        var ready: [@Sendable (Bool) -> Void] = []
        let output = state.output
        let exit = state.done ? state.exit : nil
        state.waiters.removeAll { waiter in
            if waiter.check(output, exit) {
                ready.append(waiter.resume)
                return true
            }
            return false
        }
        return ready
    }

    /// Waits until the output satisfies `predicate` (or the process exits, or the deadline passes).
    @discardableResult
    func waitForOutput(_ what: String, _ predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
        let satisfied = await wait { output, _ in predicate(output) }
        let text = output
        if !satisfied && !predicate(text) { throw Timeout(what: what, output: text) }
        return text
    }

    /// Waits until the output contains `text`.
    @discardableResult
    func waitFor(_ text: String) async throws -> String {
        try await waitForOutput("\"\(text)\"") { $0.contains(text) }
    }

    /// Waits for the process to exit (deadline, then SIGKILL).
    func waitForExit() async throws -> Exit {
        _ = await wait { _, exit in exit != nil }
        if let exit = state.withLock({ $0.done ? $0.exit : nil }) { return exit }
        signal(SIGKILL)
        _ = await wait { _, exit in exit != nil }
        throw Timeout(what: "exit", output: output)
    }

    private func wait(_ check: @escaping @Sendable (String, Exit?) -> Bool) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = Mutex<CheckedContinuation<Bool, Never>?>(continuation)
            let resume: @Sendable (Bool) -> Void = { value in
                once.withLock { pending in
                    pending?.resume(returning: value)
                    pending = nil
                }
            }
            let immediate = state.withLock { state -> Bool? in
                if check(state.output, state.done ? state.exit : nil) { return true }
                if state.done { return false }
                state.nextID += 1
                state.waiters.append((state.nextID, check, resume))
                return nil
            }
            if let immediate {
                resume(immediate)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(Self.deadline.components.seconds))) {
                resume(false)
            }
        }
    }

    /// The log lines (text format) in order, without the timestamp: `INFO]: [^Worker]: Starting...`.
    var logLines: [String] {
        output.split(separator: "\n").map(String.init)
    }

    /// A fresh temporary path for a log file.
    static func temporaryPath(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mode-worker-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("\(name)-\(UInt32.random(in: 0...UInt32.max)).log").path
    }
}
