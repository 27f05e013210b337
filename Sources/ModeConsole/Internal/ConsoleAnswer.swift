import NIOCore

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
        var text = output.text
        let size = text.withUTF8 { Self.crlfEncodedSize(of: $0) }
        if size > maxBytes {
            body = .tooLarge(size: size)
        } else {
            body = .bytes(Self.encode(&text, size: size))
        }
        isError = output.isError
        closesSession = output.closesSession
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
        guard !utf8.isEmpty else { return 0 }
        var size = utf8.count
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { size += 1 }
            previous = byte
        }
        return utf8.last == UInt8(ascii: "\n") ? size : size + 2
    }

    /// Copies `utf8` into `destination` with CR LF line ends; returns the bytes written.
    static func crlfEncode(_ utf8: UnsafeBufferPointer<UInt8>, into destination: UnsafeMutableRawBufferPointer) -> Int {
        guard !utf8.isEmpty else { return 0 }
        var index = 0
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") {
                destination[index] = UInt8(ascii: "\r")
                index += 1
            }
            destination[index] = byte
            index += 1
            previous = byte
        }
        if utf8.last != UInt8(ascii: "\n") {
            destination[index] = UInt8(ascii: "\r")
            destination[index + 1] = UInt8(ascii: "\n")
            index += 2
        }
        return index
    }
}
