/// The one JSON string writer of the package: the console's JSON answers and the Worker's JSON log lines both
/// quote text through it. It escapes `"` and `\`, every control character (`\n`, `\r`, `\t`, `\b`, `\f` by
/// name, the others as `\u00XX`), DEL (`\u007f`) and U+2028/U+2029 (line separators some JSON readers split
/// on); all other UTF-8 passes through unchanged.
///
/// ```swift
/// var line = ""
/// JSONString.append("tab\there", to: &line)   // "\"tab\\there\""
/// ```
package enum JSONString {
    /// Appends `string`, quoted and escaped, to UTF-8 bytes.
    package static func append(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        if needsEscaping(string) {
            appendEscaped(string, to: &output)
        } else {
            output.append(contentsOf: string.utf8)  // the common case: one bulk copy
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends `string`, quoted and escaped, to a `String`.
    package static func append(_ string: String, to output: inout String) {
        output.append("\"")
        if needsEscaping(string) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(string.utf8.count + 16)
            appendEscaped(string, to: &bytes)
            output.append(String(decoding: bytes, as: UTF8.self))
        } else {
            output.append(string)
        }
        output.append("\"")
    }

    /// 0xE2 only starts U+2028/U+2029 among the escaped characters; the slow path checks the whole sequence.
    private static func needsEscaping(_ string: String) -> Bool {
        string.utf8.contains { byte in byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F || byte == 0xE2 }
    }

    private static func appendEscaped(_ string: String, to bytes: inout [UInt8]) {
        let utf8 = Array(string.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            index += 1
            switch byte {
            case 0x22: bytes += [0x5C, 0x22]  // \"
            case 0x5C: bytes += [0x5C, 0x5C]  // \\
            case 0x0A: bytes += [0x5C, 0x6E]  // \n
            case 0x0D: bytes += [0x5C, 0x72]  // \r
            case 0x09: bytes += [0x5C, 0x74]  // \t
            case 0x08: bytes += [0x5C, 0x62]  // \b
            case 0x0C: bytes += [0x5C, 0x66]  // \f
            case 0x00..<0x20, 0x7F:
                appendUnicodeEscape(UInt32(byte), to: &bytes)
            case 0xE2 where index + 1 < utf8.count && utf8[index] == 0x80
                && (utf8[index + 1] == 0xA8 || utf8[index + 1] == 0xA9):
                appendUnicodeEscape(utf8[index + 1] == 0xA8 ? 0x2028 : 0x2029, to: &bytes)
                index += 2
            default:
                bytes.append(byte)
            }
        }
    }

    private static func appendUnicodeEscape(_ value: UInt32, to bytes: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        bytes += [0x5C, 0x75]  // \u
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}
