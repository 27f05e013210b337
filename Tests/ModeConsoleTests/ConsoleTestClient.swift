import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client for the console tests: plain POSIX sockets, so it works from any thread
/// (including a plain thread while Swift's cooperative pool is blocked). Every read has a deadline.
final class ConsoleTestClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let prompt = "mode> "
    let descriptor: Int32
    private var received: [UInt8] = []
    private(set) var isClosedByPeer = false

    /// Connects to 127.0.0.1:`port`; reads wait at most `timeout` seconds each.
    init(port: Int, timeout: Int = 30, receiveBufferSize: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBufferSize {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let result = address.withSockAddr { connect(descriptor, $0, socklen_t($1)) }
        guard result == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw Failure(description: "connect() failed: errno \(error)")
        }
    }

    private var isClosed = false

    deinit {
        if !isClosed { Glibc.close(descriptor) }
    }

    /// Closes the connection with a reset (SO_LINGER 0), as a client that crashes or gives up does: the
    /// console learns at once that the client has gone.
    func reset() {
        guard !isClosed else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(descriptor)
        isClosed = true
    }

    /// Sends raw bytes; returns false when the peer has gone (EPIPE, ECONNRESET).
    @discardableResult
    func send(bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool {
        send(bytes: Array(text.utf8))
    }

    /// Half-closes the connection: the console sees end of input.
    func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Reads until `marker` has arrived; returns everything before it (and consumes the marker).
    func read(until marker: String) throws -> String {
        let needle = Array(marker.utf8)
        var searchFrom = 0
        while true {
            if let range = Self.firstRange(of: needle, in: received, from: searchFrom) {
                let text = String(decoding: received[..<range.lowerBound], as: UTF8.self)
                received.removeSubrange(..<range.upperBound)
                return text
            }
            searchFrom = max(0, received.count - needle.count + 1)
            guard try receiveMore() else {
                throw Failure(description: "connection closed before \(marker.debugDescription); got \(String(decoding: received, as: UTF8.self).debugDescription)")
            }
        }
    }

    /// Reads until the peer closes; returns what was left unread.
    func readUntilClosed() throws -> String {
        while try receiveMore() {}
        defer { received.removeAll() }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads the banner and the first prompt.
    @discardableResult
    func readBanner() throws -> String {
        try read(until: Self.prompt)
    }

    /// Sends one command line and returns its answer (without the following prompt).
    func command(_ line: String) throws -> String {
        guard send(line + "\r\n") else { throw Failure(description: "send failed: errno \(errno)") }
        return try read(until: "\r\n" + Self.prompt)
    }

    private func receiveMore() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received.append(contentsOf: chunk[..<count])
                return true
            }
            if count == 0 {
                isClosedByPeer = true
                return false
            }
            if errno == EINTR { continue }
            if errno == ECONNRESET {
                isClosedByPeer = true
                return false
            }
            throw Failure(description: "recv failed (errno \(errno)); got so far \(String(decoding: received, as: UTF8.self).debugDescription)")
        }
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && haystack[index..<index + needle.count].elementsEqual(needle) {
                return index..<index + needle.count
            }
            index += 1
        }
        return nil
    }
}
