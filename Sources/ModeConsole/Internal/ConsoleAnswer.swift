import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A command's answer as it goes on the wire: CR LF line ends, encoded once on a command thread and shared
/// (copy-on-write) by every session that asked for it.
struct ConsoleAnswer: Sendable {
    enum Body: Sendable {
        /// The encoded text, ending with CR LF.
        case bytes(ByteBuffer)
        /// The encoded text would be `size` bytes, more than a session may buffer: it was not built.
        case tooLarge(size: Int)
    }

    var body: Body
    var isError: Bool
    var closesSession: Bool

    /// Encodes `output`'s text (or its JSON document when `json`) unless it exceeds `maxBytes`.
    init(_ output: ConsoleOutput, maxBytes: Int) {
        isError = output.isError
        closesSession = output.closesSession
        if let make = output.deferredTable {
            // A table is rendered with CR LF straight into the buffer sent: no string in between.
            let (table, prefix) = make()
            let plan = table.renderPlan(prefix: prefix, crlf: true)
            if plan.size > maxBytes {
                body = .tooLarge(size: plan.size)
            } else {
                var buffer = ByteBufferAllocator().buffer(capacity: plan.size)
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: plan.size) { raw in
                    plan.write(into: raw.bindMemory(to: UInt8.self))
                }
                body = .bytes(buffer)
            }
            return
        }
        var text = output.text
        let size = text.withUTF8 { Self.crlfEncodedSize(of: $0) }
        if size > maxBytes {
            body = .tooLarge(size: size)
        } else {
            body = .bytes(Self.encode(&text, size: size))
        }
    }

    /// `text` with CR LF line ends and a final line end; empty text stays empty.
    static func encode(_ text: String) -> ByteBuffer {
        var text = text
        return encode(&text, size: text.withUTF8 { crlfEncodedSize(of: $0) })
    }

    private static func encode(_ text: inout String, size: Int) -> ByteBuffer {
        guard !text.isEmpty else { return ByteBuffer() }
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        text.withUTF8 { utf8 in
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { crlfEncode(utf8, into: $0) }
        }
        return buffer
    }

    /// The size of `utf8` once every bare LF is CR LF and a final CR LF is ensured (0 for empty text).
    static func crlfEncodedSize(of utf8: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = utf8.baseAddress, !utf8.isEmpty else { return 0 }
        var size = utf8.count
        // memchr from line end to line end: a 10,000-row `ps` is 1.3 MB in lines of ~130 bytes.
        var offset = 0
        while offset < utf8.count, let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), utf8.count - offset) {
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if index == 0 || base[index - 1] != UInt8(ascii: "\r") { size += 1 }
            offset = index + 1
        }
        return utf8.last == UInt8(ascii: "\n") ? size : size + 2
    }

    /// Copies `utf8` into `destination` with CR LF line ends; returns the bytes written.
    static func crlfEncode(_ utf8: UnsafeBufferPointer<UInt8>, into destination: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = utf8.baseAddress, let target = destination.baseAddress, !utf8.isEmpty else { return 0 }
        var written = 0
        var offset = 0
        // Each line is copied in one memcpy; a CR is inserted before a bare LF.
        while offset < utf8.count {
            guard let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), utf8.count - offset) else {
                (target + written).copyMemory(from: base + offset, byteCount: utf8.count - offset)
                written += utf8.count - offset
                break
            }
            let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            (target + written).copyMemory(from: base + offset, byteCount: index - offset)
            written += index - offset
            if index == 0 || base[index - 1] != UInt8(ascii: "\r") {
                target.storeBytes(of: UInt8(ascii: "\r"), toByteOffset: written, as: UInt8.self)
                written += 1
            }
            target.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: written, as: UInt8.self)
            written += 1
            offset = index + 1
        }
        if utf8.last != UInt8(ascii: "\n") {
            target.storeBytes(of: UInt8(ascii: "\r"), toByteOffset: written, as: UInt8.self)
            target.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: written + 1, as: UInt8.self)
            written += 2
        }
        return written
    }
}
