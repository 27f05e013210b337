extension JSONValue {
    /// The value as compact JSON text on one line (RFC 8259), the format `json <command>` sends.
    ///
    /// ```swift
    /// let value: JSONValue = ["ok": true, "names": ["a", "b"]]
    /// value.rendered()   // {"ok":true,"names":["a","b"]}
    /// ```
    public func rendered() -> String {
        var output = ""
        output.reserveCapacity(64)
        render(into: &output)
        return output
    }

    /// Appends the compact JSON text of the value to `output`.
    public func render(into output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .int(let value):
            output += String(value)
        case .double(let value):
            if value.isFinite {
                // Integral doubles print as "3.0", which is valid JSON; the shortest round-trip form otherwise.
                output += String(value)
            } else {
                output += "null"
            }
        case .string(let value):
            Self.renderString(value, into: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.render(into: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                Self.renderString(member.key, into: &output)
                output += ":"
                member.value.render(into: &output)
            }
            output += "}"
        }
    }

    /// Appends `string` as a quoted JSON string, escaping quotes, backslashes and control characters.
    static func renderString(_ string: String, into output: inout String) {
        output += "\""
        let needsEscaping = string.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        guard needsEscaping else {
            output += string
            output += "\""
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
