import Dispatch
import Foundation

/// A line-oriented TCP client for the debug console. Blocking socket calls run on a private dispatch
/// queue (with a receive timeout as the deadline), never on a cooperative thread.
final class ConsoleClient: @unchecked Sendable {
    // @unchecked: `fd` is written once in init; every socket call and every access to `closed` runs on the
    // serial `queue` (deinit runs when no other reference, hence no queued work, is left).
    private let fd: Int32
    private let queue = DispatchQueue(label: "console-test-client")
    private var closed = false

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(port: Int, timeoutSeconds: Int = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
    }

    deinit { if !closed { close(fd) } }

    /// Closes the connection with a reset (SO_LINGER 0), as a client that gives up does.
    func reset() async throws {
        try await onQueue {
            guard !self.closed else { return }
            var option = linger(l_onoff: 1, l_linger: 0)
            setsockopt(self.fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
            close(self.fd)
            self.closed = true
        }
    }

    /// Reads until the prompt `mode> ` (or EOF); returns what came before it, with CRLF turned into LF
    /// (the console writes CRLF for telnet; "\r\n" is one Character in Swift).
    func readUntilPrompt() async throws -> String {
        try await onQueue { try self.blockingReadUntil("mode> ") }.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// Sends one line and returns the answer up to the next prompt.
    func command(_ line: String) async throws -> String {
        try await send(Array((line + "\r\n").utf8))
        return try await readUntilPrompt()
    }

    /// Sends raw bytes.
    func send(_ bytes: [UInt8]) async throws {
        try await onQueue {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(self.fd, $0.baseAddress, $0.count) }
                guard written > 0 else { throw Failure(description: "write failed: errno \(errno)") }
                offset += written
            }
        }
    }

    /// Reads until EOF or the receive timeout; returns everything read.
    func readToEnd() async throws -> String {
        try await onQueue { try self.blockingReadUntil(nil) }.replacingOccurrences(of: "\r\n", with: "\n")
    }

    private func blockingReadUntil(_ marker: String?) throws -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return String(decoding: data, as: UTF8.self) }
            if count < 0 {
                if errno == EINTR { continue }
                if marker == nil { return String(decoding: data, as: UTF8.self) }
                throw Failure(description: "read failed (errno \(errno)); got: \(String(decoding: data, as: UTF8.self))")
            }
            data.append(contentsOf: buffer[0..<count])
            if let marker {
                let text = String(decoding: data, as: UTF8.self)
                if text.hasSuffix(marker) { return String(text.dropLast(marker.count)) }
            }
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
