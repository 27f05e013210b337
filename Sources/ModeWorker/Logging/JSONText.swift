import Logging

/// Minimal JSON writing for log lines (no Foundation, one pass, always valid JSON).
enum JSONText {
    /// Appends `value` as a JSON string literal, escaping `"`, `\`, all control characters (U+0000–U+001F,
    /// U+007F) and the JavaScript line separators U+2028/U+2029. A Swift `String` is always valid Unicode:
    /// bytes that were invalid UTF-8 were already replaced by U+FFFD when the string was made (for example by
    /// `String(decoding:as:)`), so the output is always valid UTF-8.
    static func appendString(_ value: String, to out: inout String) {
        out.append("\"")
        let needsEscaping = value.utf8.contains { byte in
            byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F || byte == 0xE2
        }
        guard needsEscaping else {
            // Fast path: nothing to escape (0xE2 only starts U+2028/U+2029 among the escaped characters).
            out.append(value)
            out.append("\"")
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 16)
        let utf8 = Array(value.utf8)
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
        out.append(String(decoding: bytes, as: UTF8.self))
        out.append("\"")
    }

    private static func appendUnicodeEscape(_ value: UInt32, to bytes: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        bytes += [0x5C, 0x75]  // \u
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    /// Appends a metadata value: strings as strings, arrays as arrays, dictionaries as objects (sorted keys),
    /// `stringConvertible` values as their description.
    static func appendValue(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let string):
            appendString(string, to: &out)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &out)
        case .array(let values):
            out.append("[")
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(",") }
                appendValue(element, to: &out)
            }
            out.append("]")
        case .dictionary(let metadata):
            appendObject(metadata, to: &out)
        }
    }

    /// Appends `metadata` as a JSON object with sorted keys.
    static func appendObject(_ metadata: Logger.Metadata, to out: inout String) {
        out.append("{")
        for (index, entry) in metadata.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { out.append(",") }
            appendString(entry.key, to: &out)
            out.append(":")
            appendValue(entry.value, to: &out)
        }
        out.append("}")
    }
}
