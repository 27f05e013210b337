#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking TCP connection to a debug console, with a timeout on connect and on every read.
final class ConsoleConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to `address`, trying each resolved address in turn.
    init(address: ConsoleAddress, timeoutSeconds: Int) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &results)
        guard status == 0, let first = results else {
            throw Failure(description: "cannot resolve \(address.host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }

        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard descriptor >= 0 else {
                lastError = errno
                continue
            }
            var time = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                self.descriptor = descriptor
                return
            }
            lastError = errno
            close(descriptor)
        }
        throw Failure(description: "cannot connect to \(address): \(String(cString: strerror(lastError)))")
    }

    deinit {
        close(descriptor)
    }

    /// Sends all of `text`.
    func send(_ text: String) throws {
        try send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            #if os(Linux)
            let flags = Int32(MSG_NOSIGNAL)
            #else
            let flags: Int32 = 0
            #endif
            let sent = bytes[offset...].withUnsafeBytes { Self.sendCall(descriptor, $0.baseAddress, $0.count, flags) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "the console closed the connection (\(String(cString: strerror(errno))))")
            }
            offset += sent
        }
    }

    /// Ends our side of the connection; the console sees end-of-file and closes the session.
    func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Reads until `marker` arrives and returns what came before it; `nil` when the console closed first
    /// (what it sent is then in ``remaining``).
    func read(until marker: String) throws -> String? {
        let needle = Array(marker.utf8)
        var searchFrom = 0
        while true {
            if let end = Self.find(needle, in: buffer, from: searchFrom) {
                let text = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeSubrange(..<(end + needle.count))
                return text
            }
            searchFrom = max(0, buffer.count - needle.count + 1)
            guard try receive() else { return nil }
        }
    }

    /// Reads until the console closes the connection and returns everything not read yet.
    func readToEnd() throws -> String {
        while try receive() {}
        return remaining
    }

    /// Bytes received but not returned yet.
    var remaining: String {
        String(decoding: buffer, as: UTF8.self)
    }

    /// Reads one chunk and passes it to `body` as it comes; returns false at end of file.
    func relay(_ body: ([UInt8]) -> Void) throws -> Bool {
        if !buffer.isEmpty {
            body(buffer)
            buffer.removeAll()
        }
        guard try receive() else { return false }
        body(buffer)
        buffer.removeAll()
        return true
    }

    private func receive() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return true
            }
            if count == 0 || errno == ECONNRESET { return false }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw Failure(description: "timed out waiting for the console")
            }
            throw Failure(description: "cannot read from the console: \(String(cString: strerror(errno)))")
        }
    }

    private static func sendCall(_ fd: Int32, _ pointer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
        #if canImport(Glibc)
        Glibc.send(fd, pointer, count, flags)
        #elseif canImport(Musl)
        Musl.send(fd, pointer, count, flags)
        #else
        Darwin.send(fd, pointer, count, flags)
        #endif
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}
