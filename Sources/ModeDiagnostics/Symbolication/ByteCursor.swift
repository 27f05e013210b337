/// A bounds-checked little-endian reader over bytes read from an ELF file: every read past the end throws
/// ``SymbolicationError/truncated`` instead of trapping, so corrupt or truncated debug info only shortens
/// frames.
struct ByteCursor {
    let bytes: [UInt8]
    var position: Int

    init(_ bytes: [UInt8], at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var isAtEnd: Bool { position >= bytes.count }
    var remaining: Int { max(0, bytes.count - position) }

    mutating func skip(_ count: UInt64) throws {
        guard count <= UInt64(remaining) else { throw SymbolicationError.truncated }
        position += Int(count)
    }

    mutating func u8() throws -> UInt8 {
        guard position < bytes.count else { throw SymbolicationError.truncated }
        defer { position += 1 }
        return bytes[position]
    }

    /// An unsigned little-endian integer of `size` bytes (1...8).
    mutating func unsigned(size: Int) throws -> UInt64 {
        guard size >= 0, size <= 8, position <= bytes.count - size else { throw SymbolicationError.truncated }
        var value: UInt64 = 0
        for index in 0..<size { value |= UInt64(bytes[position + index]) << (8 * index) }
        position += size
        return value
    }

    mutating func u16() throws -> UInt64 { try unsigned(size: 2) }
    mutating func u32() throws -> UInt64 { try unsigned(size: 4) }
    mutating func u64() throws -> UInt64 { try unsigned(size: 8) }

    mutating func uleb() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            if shift < 64 { value |= UInt64(byte & 0x7f) << shift }
            shift += 7
            if byte & 0x80 == 0 { return value }
        }
    }

    mutating func sleb() throws -> Int64 {
        var value: Int64 = 0
        var shift: Int64 = 0
        var byte: UInt8
        repeat {
            byte = try u8()
            if shift < 64 { value |= Int64(byte & 0x7f) << shift }
            shift += 7
        } while byte & 0x80 != 0
        if shift < 64, byte & 0x40 != 0 { value |= -(Int64(1) << shift) }
        return value
    }

    /// A NUL-terminated string (decoded as UTF-8, repairing bad bytes).
    mutating func cString() throws -> String {
        guard let end = bytes[min(position, bytes.count)...].firstIndex(of: 0) else {
            throw SymbolicationError.truncated
        }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// A DWARF initial length: the unit's length and whether it uses the 64-bit format.
    mutating func initialLength() throws -> (length: UInt64, isDWARF64: Bool) {
        let short = try u32()
        if short == 0xffff_ffff { return (try u64(), true) }
        guard short < 0xffff_fff0 else { throw SymbolicationError.malformed }
        return (short, false)
    }
}
