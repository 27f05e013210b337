extension JSONValue {
    /// The value as compact JSON text on one line (RFC 8259), the format `json <command>` sends.
    ///
    /// ```swift
    /// let value: JSONValue = ["ok": true, "names": ["a", "b"]]
    /// value.rendered()   // {"ok":true,"names":["a","b"]}
    /// ```
    public func rendered() -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        render(into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the compact JSON text of the value to `output` as UTF-8 bytes.
    public func render(into output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            output.append(contentsOf: String(value).utf8)
        case .double(let value):
            // Integral doubles print as "3.0", which is valid JSON; the shortest round-trip form otherwise.
            output.append(contentsOf: (value.isFinite ? String(value) : "null").utf8)
        case .string(let value):
            Self.renderString(value, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.render(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.renderString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                member.value.render(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` as a quoted JSON string (``JSONString``).
    static func renderString(_ string: String, into output: inout [UInt8]) {
        JSONString.append(string, to: &output)
    }
}
