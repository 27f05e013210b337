import CModeBenchSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client for the Worker's debug console: sends one command, reads until the prompt.
///
/// ```swift
/// let console = try ConsoleLineClient(port: 50101)
/// let (answer, nanoseconds) = try console.command("stacks")
/// ```
public final class ConsoleLineClient {
    /// A socket call failed or the console closed the connection.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let fd: Int32
    private let prompt = Array("mode> ".utf8)

    /// Connects to 127.0.0.1:`port` and reads the banner up to the first prompt.
    public init(port: Int, timeoutSeconds: Int = 60) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
        _ = try readUntilPrompt()
    }

    deinit { close(fd) }

    /// Sends `line` and returns the answer (up to the prompt) and the time from the write to the prompt's last
    /// byte read, ns (the answer's decoding into a String is the client's, not counted).
    public func command(_ line: String) throws -> (answer: String, nanoseconds: UInt64) {
        let timed = try timedCommand(line)
        return (timed.answer, timed.nanoseconds)
    }

    /// ``command(_:)`` with the time to the answer's first byte as well: the console writes an answer only once
    /// it is complete, so that is the server's time (command received, run, encoded) plus one loopback hop.
    public func timedCommand(_ line: String) throws -> (answer: String, nanoseconds: UInt64, firstByteNanoseconds: UInt64) {
        let bytes = Array((line + "\r\n").utf8)
        let start = c_mode_bench_monotonic_ns()
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure(description: "write failed: errno \(errno)") }
            offset += written
        }
        var firstByte: UInt64 = 0
        let bytesRead = try readBytesUntilPrompt(firstByte: &firstByte)
        let end = c_mode_bench_monotonic_ns()
        return (String(decoding: bytesRead.dropLast(prompt.count), as: UTF8.self), end - start, firstByte - start)
    }

    private func readUntilPrompt() throws -> String {
        var firstByte: UInt64 = 0
        return String(decoding: try readBytesUntilPrompt(firstByte: &firstByte).dropLast(prompt.count), as: UTF8.self)
    }

    /// The bytes read up to and including the prompt; `firstByte`: when the first of them arrived.
    private func readBytesUntilPrompt(firstByte: inout UInt64) throws -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(1 << 16)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw Failure(description: "console closed or timed out (errno \(errno)) after \(data.count) bytes")
            }
            if data.isEmpty { firstByte = c_mode_bench_monotonic_ns() }
            data.append(contentsOf: buffer[0..<count])
            if data.count >= prompt.count && data[(data.count - prompt.count)...].elementsEqual(prompt) {
                return data
            }
        }
    }
}
