import CModeBenchSupport
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process for the stall benchmark: its stdout and stderr lines, each stamped with the CLOCK_MONOTONIC
/// time the parent read it, a line-based stdin, and its resident memory.
///
/// Each pipe is read by a blocking loop on its own thread, which stamps a line the moment the chunk holding it
/// arrives; waits are on a condition signalled by new output (or the deadline), never a sleep.
///
/// ```swift
/// let child = try BenchChildProcess(executable: path, arguments: ["--stall-child"])
/// _ = child.wait(for: "serving", timeout: 30) { $0.contains { $0.text.hasPrefix("bench serving") } }
/// child.send("quit")
/// ```
public final class BenchChildProcess: Sendable {
    /// One line of output and when the parent read it.
    public struct Line: Sendable {
        /// The line without its newline.
        public var text: String
        /// CLOCK_MONOTONIC nanoseconds when the parent read it.
        public var arrivalNanoseconds: UInt64
        /// 1 (stdout) or 2 (stderr).
        public var stream: Int
    }

    /// A wait that reached its deadline.
    public struct Timeout: Error, CustomStringConvertible {
        /// What was waited for.
        public var what: String
        /// The last lines of output.
        public var tail: String
        public var description: String { "timed out waiting for \(what); last output:\n\(tail)" }
    }

    private struct State {
        var lines: [Line] = []
        var partial: [Int: [UInt8]] = [:]
        var closed = 0
    }

    let process: Process
    private let state = Mutex(State())
    /// Signalled by the readers after new output (one waiter at a time: the benchmark's own flow).
    private let changed = DispatchSemaphore(value: 0)
    private let stdinHandle: FileHandle
    /// CLOCK_MONOTONIC nanoseconds just before the process was spawned.
    public let spawnedNanoseconds: UInt64

    /// Starts `executable arguments…` with stdin, stdout and stderr piped.
    public init(executable: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment["NO_COLOR"] = "1"
        for key in environment.keys where key.hasPrefix("MODE_") { environment.removeValue(forKey: key) }
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        self.process = process
        stdinHandle = input.fileHandleForWriting
        spawnedNanoseconds = c_mode_bench_monotonic_ns()
        try process.run()
        for (stream, pipe) in [(1, output), (2, errors)] {
            let fd = pipe.fileHandleForReading.fileDescriptor
            let reader = Thread { [self] in readLoop(fd: fd, stream: stream) }
            reader.name = "bench-reader-\(stream)"
            reader.start()
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The child's pid.
    public var pid: Int32 { process.processIdentifier }

    /// Every line read so far.
    public var lines: [Line] { state.withLock { $0.lines } }

    private func readLoop(fd: Int32, stream: Int) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let arrival = c_mode_bench_monotonic_ns()
            state.withLock { state in
                var pending = state.partial[stream, default: []]
                pending.append(contentsOf: buffer[0..<count])
                var start = 0
                for index in pending.indices where pending[index] == 10 {
                    state.lines.append(Line(
                        text: String(decoding: pending[start..<index], as: UTF8.self),
                        arrivalNanoseconds: arrival, stream: stream))
                    start = index + 1
                }
                state.partial[stream] = Array(pending[start...])
            }
            broadcast()
        }
        state.withLock { $0.closed += 1 }
        broadcast()
    }

    private func broadcast() {
        changed.signal()
    }

    /// Waits until `predicate` holds for the lines read so far; throws ``Timeout`` after `timeout` seconds or
    /// when the child's output ended first.
    @discardableResult
    public func wait<T>(for what: String, timeout: Double, _ predicate: ([Line]) -> T?) throws -> T {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let (lines, closed) = state.withLock { ($0.lines, $0.closed) }
            if let value = predicate(lines) { return value }
            if closed == 2 || Date() >= deadline {
                let tail = lines.suffix(12).map(\.text).joined(separator: "\n")
                throw Timeout(what: what, tail: String(tail.prefix(4000)))
            }
            _ = changed.wait(timeout: .now() + .milliseconds(Int(min(1, max(0, deadline.timeIntervalSinceNow)) * 1000) + 1))
        }
    }

    /// Waits for a `bench EVENT …` line on stdout after line index `from`; returns its fields after the event.
    public func waitForEvent(_ event: String, after from: Int = 0, timeout: Double = 60) throws -> (index: Int, fields: [String]) {
        try wait(for: "bench \(event)", timeout: timeout) { lines in
            for index in lines.indices.dropFirst(from) where lines[index].stream == 1 {
                let words = lines[index].text.split(separator: " ").map(String.init)
                if words.count >= 3, words[0] == "bench", words[1] == event { return (index, Array(words.dropFirst(2))) }
            }
            return nil
        }
    }

    /// Writes one line to the child's stdin.
    public func send(_ line: String) {
        try? stdinHandle.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Resident memory (`VmRSS` in /proc/PID/status), KiB.
    public func residentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// Samples RSS every 250 ms until it changed by less than 256 KiB over the last 2 s (at most `timeout` s).
    public func settledResidentKiB(timeout: Double = 20) -> Int {
        var samples: [Int] = []
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if let rss = residentKiB() { samples.append(rss) }
            if samples.count >= 8 {
                let window = samples.suffix(8)
                if window.max()! - window.min()! < 256 { break }
            }
            usleep(250_000)
        }
        return samples.last ?? 0
    }

    /// Sends a signal to the child.
    public func signal(_ number: Int32) { kill(pid, number) }

    /// Asks the child to stop (`quit`, then EOF on stdin) and waits up to `timeout` s, then kills it.
    public func stop(timeout: Double = 30) {
        send("quit")
        try? stdinHandle.close()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}
